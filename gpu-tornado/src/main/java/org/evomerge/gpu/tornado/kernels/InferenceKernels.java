package org.evomerge.gpu.tornado.kernels;

import org.evomerge.kernels.InferenceMath;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * The matrix-vector products of {@code InferenceOperations.matVec} as TornadoVM kernels, over F32, F16 and Q8_0
 * weights ({@code MatVecPlan}); the forward pass's batched products, norms, rotary embeddings and attention are
 * {@link ForwardKernels}. Plain sequential Java on a JVM without TornadoVM (the {@code @Parallel} annotations are
 * inert); the element arithmetic is {@link InferenceMath}'s, shared with the CPU code.
 *
 * <p>Matrices are row-major, {@code rows × cols}, a row being one output. Dot products accumulate in float with
 * multiply-adds in column order ({@link DeviceMath#multiplyAdd}); the device agrees with the CPU to float rounding.
 */
public final class InferenceKernels {

    private InferenceKernels() {
    }

    /** {@code y[r] = Σ_c w[r·cols+c]·x[c]} for float32 weights. */
    public static void matVecF32(FloatArray w, FloatArray x, FloatArray y, int rows, int cols) {
        for (@Parallel int r = 0; r < rows; r++) {
            float acc = 0f;
            int row = r * cols;
            for (int c = 0; c < cols; c++) {
                acc = DeviceMath.multiplyAdd(acc, w.get(row + c), x.get(c));
            }
            y.set(r, acc);
        }
    }

    /** {@code y[r] = Σ_c w[r·cols+c]·x[c]} for IEEE half weights given as raw 16-bit codes. */
    public static void matVecF16(ShortArray w, FloatArray x, FloatArray y, int rows, int cols) {
        for (@Parallel int r = 0; r < rows; r++) {
            float acc = 0f;
            int row = r * cols;
            for (int c = 0; c < cols; c++) {
                acc = DeviceMath.multiplyAdd(acc, InferenceMath.halfBitsToFloat(w.get(row + c)), x.get(c));
            }
            y.set(r, acc);
        }
    }

    /**
     * {@code y = W·x} for Q8_0 weights in GGUF's byte layout: each row is {@code cols/32} blocks of 34 bytes (an f16
     * scale, then 32 signed bytes). Per block the integer products are summed in float, then scaled.
     */
    public static void matVecQ8_0(ByteArray w, FloatArray x, FloatArray y, int rows, int cols) {
        for (@Parallel int r = 0; r < rows; r++) {
            int blocks = cols / InferenceMath.Q8_0_BLOCK_SIZE;
            int rowStart = r * blocks * InferenceMath.Q8_0_BLOCK_BYTES;
            float acc = 0f;
            for (int b = 0; b < blocks; b++) {
                int offset = rowStart + b * InferenceMath.Q8_0_BLOCK_BYTES;
                float scale = InferenceMath.q8Scale(w.get(offset), w.get(offset + 1));
                float blockSum = 0f;
                int column = b * InferenceMath.Q8_0_BLOCK_SIZE;
                for (int j = 0; j < InferenceMath.Q8_0_BLOCK_SIZE; j++) {
                    blockSum = DeviceMath.multiplyAdd(blockSum, w.get(offset + 2 + j), x.get(column + j));
                }
                acc = DeviceMath.multiplyAdd(acc, scale, blockSum);
            }
            y.set(r, acc);
        }
    }
}
