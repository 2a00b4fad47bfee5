package org.evomerge.gpu.tornado.kernels;

import org.evomerge.kernels.ElementMath;
import org.evomerge.kernels.InferenceMath;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Transformer inference as TornadoVM kernels: matrix-vector and matrix-matrix products over F32, F16 and Q8_0
 * weights, RMSNorm (two-phase reduction), rotary embeddings, softmax and single-query attention over a KV cache.
 * Plain sequential Java on a JVM without TornadoVM (the {@code @Parallel} annotations are inert); the element
 * arithmetic is {@link InferenceMath}'s and {@link ElementMath}'s, shared with the CPU code.
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

    /** {@code y[t·rows+r] = Σ_c w[r·cols+c]·x[t·cols+c]}: a batch of {@code batch} vectors (prompt processing). */
    public static void matMulF32(FloatArray w, FloatArray x, FloatArray y, int rows, int cols, int batch) {
        for (@Parallel int t = 0; t < batch; t++) {
            for (@Parallel int r = 0; r < rows; r++) {
                float acc = 0f;
                int row = r * cols;
                int input = t * cols;
                for (int c = 0; c < cols; c++) {
                    acc = DeviceMath.multiplyAdd(acc, w.get(row + c), x.get(input + c));
                }
                y.set(t * rows + r, acc);
            }
        }
    }

    /** RMSNorm phase one: {@code partials[c] = Σ x[i]²} over chunk {@code c}, in double. */
    public static void rmsPartials(FloatArray x, DoubleArray partials, int n, int chunk, int chunks) {
        for (@Parallel int c = 0; c < chunks; c++) {
            int start = c * chunk;
            int end = Math.min(n, start + chunk);
            double sum = 0;
            for (int i = start; i < end; i++) {
                double v = x.get(i);
                sum += v * v;
            }
            partials.set(c, sum);
        }
    }

    /** RMSNorm phase two, one work item: {@code scale[0] = 1/sqrt(Σpartials/n + eps)}. */
    public static void rmsScale(DoubleArray partials, FloatArray scale, int chunks, int n, float eps) {
        double sum = 0;
        for (int c = 0; c < chunks; c++) {
            sum += partials.get(c);
        }
        scale.set(0, InferenceMath.rmsScale(sum, n, eps));
    }

    /** RMSNorm apply: {@code out[i] = weight[i]·(scale·x[i])}. */
    public static void rmsApply(FloatArray x, FloatArray weight, FloatArray scale, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, InferenceMath.rmsNormalize(x.get(i), scale.get(0), weight.get(i)));
        }
    }

    /**
     * Rotary position embedding in place over {@code heads} heads of {@code headSize}: pair {@code p} of a head is
     * {@code (2p, 2p+1)} (GGUF/llama.cpp layout, {@code neox = 0}) or {@code (p, p + headSize/2)} (Hugging Face
     * layout, {@code neox = 1}), rotated by {@link InferenceMath#ropeAngle}.
     */
    public static void rope(FloatArray x, int heads, int headSize, int position, float theta, int neox) {
        int half = headSize / 2;
        for (@Parallel int k = 0; k < heads * half; k++) {
            int head = k / half;
            int pair = k - head * half;
            int first = neox == 1 ? head * headSize + pair : head * headSize + 2 * pair;
            int second = neox == 1 ? first + half : first + 1;
            double angle = InferenceMath.ropeAngle(position, pair, headSize, theta);
            float cos = (float) Math.cos(angle);
            float sin = (float) Math.sin(angle);
            float x0 = x.get(first);
            float x1 = x.get(second);
            x.set(first, InferenceMath.rotateFirst(x0, x1, cos, sin));
            x.set(second, InferenceMath.rotateSecond(x0, x1, cos, sin));
        }
    }

    /** Softmax in place over each of {@code rows} rows of {@code cols} values (max-subtracted, sum in double). */
    public static void softmaxRows(FloatArray x, int rows, int cols) {
        for (@Parallel int r = 0; r < rows; r++) {
            int start = r * cols;
            float max = x.get(start);
            for (int c = 1; c < cols; c++) {
                max = Math.max(max, x.get(start + c));
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                float e = InferenceMath.softmaxNumerator(x.get(start + c), max);
                x.set(start + c, e);
                sum += e;
            }
            float inverse = (float) (1.0 / sum);
            for (int c = 0; c < cols; c++) {
                x.set(start + c, x.get(start + c) * inverse);
            }
        }
    }

    /**
     * Single-query attention with grouped KV heads: for each query head {@code h} (KV head {@code h / (heads /
     * kvHeads)}), scores {@code q·k_t / sqrt(headSize)} over positions {@code t < length}, softmax, and
     * {@code out = Σ_t p_t·v_t}. Caches are {@code [position][kvHead][headSize]}; {@code scores} is scratch of
     * {@code heads × capacity} floats.
     */
    public static void attention(FloatArray q, FloatArray keys, FloatArray values, FloatArray scores, FloatArray out,
                                 int heads, int kvHeads, int headSize, int length, int capacity) {
        for (@Parallel int h = 0; h < heads; h++) {
            int kvHead = h / (heads / kvHeads);
            int query = h * headSize;
            int scoreRow = h * capacity;
            float inverseRoot = (float) (1.0 / Math.sqrt(headSize));
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < length; t++) {
                int key = (t * kvHeads + kvHead) * headSize;
                float dot = 0f;
                for (int d = 0; d < headSize; d++) {
                    dot = DeviceMath.multiplyAdd(dot, q.get(query + d), keys.get(key + d));
                }
                float score = dot * inverseRoot;
                scores.set(scoreRow + t, score);
                max = Math.max(max, score);
            }
            double sum = 0;
            for (int t = 0; t < length; t++) {
                float e = InferenceMath.softmaxNumerator(scores.get(scoreRow + t), max);
                scores.set(scoreRow + t, e);
                sum += e;
            }
            float inverse = (float) (1.0 / sum);
            for (int d = 0; d < headSize; d++) {
                float acc = 0f;
                for (int t = 0; t < length; t++) {
                    int value = (t * kvHeads + kvHead) * headSize;
                    acc = DeviceMath.multiplyAdd(acc, scores.get(scoreRow + t) * inverse, values.get(value + d));
                }
                out.set(query + d, acc);
            }
        }
    }
}
