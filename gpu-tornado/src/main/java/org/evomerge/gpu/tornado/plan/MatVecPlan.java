package org.evomerge.gpu.tornado.plan;

import org.evomerge.gpu.tornado.kernels.InferenceKernels;
import org.evomerge.kernels.InferenceMath;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * {@code y = W·x} for one weight matrix that stays on the device: the weights are copied into an off-heap array
 * once, transferred with {@link DataTransferMode#FIRST_EXECUTION} (so only on the first execution) and kept there
 * until the plan is closed; each call moves only {@code x} in and {@code y} out.
 */
public final class MatVecPlan extends DevicePlan {

    /** How the weights are stored. */
    public enum Encoding { F32, F16, Q8_0 }

    private final int rows;
    private final int cols;
    private final FloatArray x;
    private final FloatArray y;

    private MatVecPlan(Encoding encoding, Object weights, int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        this.x = new FloatArray(cols);
        this.y = new FloatArray(rows);
        TaskGraph graph = new TaskGraph("matVec" + encoding);
        switch (encoding) {
            case F32 -> {
                FloatArray w = FloatArray.fromArray((float[]) weights);
                graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, w)
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                        .task("matVec", InferenceKernels::matVecF32, w, x, y, rows, cols);
            }
            case F16 -> {
                ShortArray w = ShortArray.fromArray((short[]) weights);
                graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, w)
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                        .task("matVec", InferenceKernels::matVecF16, w, x, y, rows, cols);
            }
            case Q8_0 -> {
                ByteArray w = ByteArray.fromArray((byte[]) weights);
                graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, w)
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                        .task("matVec", InferenceKernels::matVecQ8_0, w, x, y, rows, cols);
            }
            default -> throw new IllegalArgumentException("unknown encoding " + encoding);
        }
        build(graph.transferToHost(DataTransferMode.EVERY_EXECUTION, y).snapshot());
    }

    /** A plan over float32 weights, {@code rows × cols} row-major. */
    public static MatVecPlan f32(float[] weights, int rows, int cols) {
        check(weights.length, (long) rows * cols, rows, cols);
        return new MatVecPlan(Encoding.F32, weights, rows, cols);
    }

    /** A plan over IEEE half weights given as raw codes, {@code rows × cols} row-major. */
    public static MatVecPlan f16(short[] weights, int rows, int cols) {
        check(weights.length, (long) rows * cols, rows, cols);
        return new MatVecPlan(Encoding.F16, weights, rows, cols);
    }

    /** A plan over Q8_0 weights in GGUF's block layout; {@code cols} is a multiple of 32. */
    public static MatVecPlan q8_0(byte[] weights, int rows, int cols) {
        if (cols % InferenceMath.Q8_0_BLOCK_SIZE != 0) {
            throw new IllegalArgumentException("Q8_0 rows hold whole blocks of 32, not " + cols + " columns");
        }
        check(weights.length, (long) rows * (cols / InferenceMath.Q8_0_BLOCK_SIZE) * InferenceMath.Q8_0_BLOCK_BYTES,
                rows, cols);
        return new MatVecPlan(Encoding.Q8_0, weights, rows, cols);
    }

    private static void check(int length, long expected, int rows, int cols) {
        if (length != expected) {
            throw new IllegalArgumentException(rows + "×" + cols + " weights need " + expected + " elements, got "
                    + length);
        }
    }

    /** {@code out = W·input}. */
    public void run(float[] input, float[] out) {
        if (input.length != cols || out.length != rows) {
            throw new IllegalArgumentException("matVec of " + rows + "×" + cols + " weights given x[" + input.length
                    + "], y[" + out.length + "]");
        }
        copyIn(input, x, 0, cols);
        execute();
        copyOut(y, out, rows);
    }
}
