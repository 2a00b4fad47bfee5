package org.evomerge.gpu.tornado.plan;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.evomerge.gpu.tornado.kernels.ForwardKernels;
import org.evomerge.kernels.InferenceMath;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * {@code Y = X·Wᵀ} for one weight matrix resident on the device and up to {@code capacity} input rows per execution:
 * a prompt's tokens go through as one matrix-matrix product per {@code capacity} rows, a generated token as a batch
 * of one. The weights are copied into an off-heap array once, transferred with {@link DataTransferMode#FIRST_EXECUTION}
 * and kept until the plan is closed; each execution moves the row count and the input and output buffers.
 */
public final class MatMulPlan extends DevicePlan {

    /** How the weights are stored on the device. */
    public enum Encoding { F32, F16, Q8_0 }

    private final Encoding encoding;
    private final int rows;
    private final int cols;
    private final int capacity;
    private final long deviceBytes;
    private final FloatArray x;
    private final FloatArray y;
    private final IntArray count = new IntArray(1);

    /**
     * @param weights  the matrix in {@code encoding}'s layout, row-major, {@code rows × cols} (copied)
     * @param capacity input rows per execution
     */
    public MatMulPlan(Encoding encoding, MemorySegment weights, int rows, int cols, int capacity) {
        this.encoding = encoding;
        this.rows = rows;
        this.cols = cols;
        this.capacity = capacity;
        long expected = bytes(encoding, rows, cols);
        if (weights.byteSize() != expected) {
            throw new IllegalArgumentException(rows + "×" + cols + " " + encoding + " weights need " + expected
                    + " bytes, got " + weights.byteSize());
        }
        this.deviceBytes = expected;
        this.x = new FloatArray(capacity * cols);
        this.y = new FloatArray(capacity * rows);
        TaskGraph graph = new TaskGraph("matMul" + encoding);
        switch (encoding) {
            case F32 -> {
                FloatArray w = new FloatArray(rows * cols);
                MemorySegment.copy(weights, 0, w.getSegment(), 0, expected);
                graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, w)
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, count, x)
                        .task("matMul", ForwardKernels::matMulF32, w, x, y, count, rows, cols, capacity);
            }
            case F16 -> {
                ShortArray w = new ShortArray(rows * cols);
                MemorySegment.copy(weights, 0, w.getSegment(), 0, expected);
                graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, w)
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, count, x)
                        .task("matMul", ForwardKernels::matMulF16, w, x, y, count, rows, cols, capacity);
            }
            case Q8_0 -> {
                ByteArray w = new ByteArray((int) expected);
                MemorySegment.copy(weights, 0, w.getSegment(), 0, expected);
                graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, w)
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, count, x)
                        .task("matMul", ForwardKernels::matMulQ8_0, w, x, y, count, rows, cols, capacity);
            }
            default -> throw new IllegalArgumentException("unknown encoding " + encoding);
        }
        build(graph.transferToHost(DataTransferMode.EVERY_EXECUTION, y).snapshot());
    }

    /** The bytes of a {@code rows × cols} matrix in {@code encoding} (Q8_0: {@code cols} a multiple of 32). */
    public static long bytes(Encoding encoding, int rows, int cols) {
        return switch (encoding) {
            case F32 -> 4L * rows * cols;
            case F16 -> 2L * rows * cols;
            case Q8_0 -> {
                if (cols % InferenceMath.Q8_0_BLOCK_SIZE != 0) {
                    throw new IllegalArgumentException("Q8_0 rows hold whole blocks of 32, not " + cols + " columns");
                }
                yield (long) rows * (cols / InferenceMath.Q8_0_BLOCK_SIZE) * InferenceMath.Q8_0_BLOCK_BYTES;
            }
        };
    }

    /** The weights' bytes on the device. */
    public long deviceBytes() {
        return deviceBytes;
    }

    /** {@code out[t·rows + r] = Σ_c W[r][c] · input[t·cols + c]} for {@code t < tokens}. */
    public void run(float[] input, int tokens, float[] out) {
        if (input.length < (long) tokens * cols || out.length < (long) tokens * rows) {
            throw new IllegalArgumentException(encoding + " product of " + rows + "×" + cols + " weights and "
                    + tokens + " rows given x[" + input.length + "], y[" + out.length + "]");
        }
        for (int from = 0; from < tokens; from += capacity) {
            int batch = Math.min(capacity, tokens - from);
            count.set(0, batch);
            MemorySegment.copy(input, from * cols, x.getSegment(), ValueLayout.JAVA_FLOAT, 0, batch * cols);
            execute();
            MemorySegment.copy(y.getSegment(), ValueLayout.JAVA_FLOAT, 0, out, from * rows, batch * rows);
        }
    }
}
