package org.evomerge.gpu.tornado.kernels;

import org.evomerge.kernels.InferenceMath;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * The kernels of a decoder's forward pass as the {@code tornado} backend's plans run them, over a batch of rows
 * (tokens) whose count travels in a one-element device array: a plan is compiled once for a capacity and serves
 * every batch up to it, the work items past the count doing nothing. The semantics are those of
 * {@link org.evomerge.api.compute.InferenceOperations} and of the CPU kernels ({@code CpuInferenceOperations}):
 * products accumulate in float in column order ({@link DeviceMath#multiplyAdd}), so
 * a row of a batched product has the bits of the same row's one-token product; RMSNorm sums squares in double;
 * softmax is max-subtracted. Plain sequential Java on a JVM without TornadoVM.
 */
public final class ForwardKernels {

    private ForwardKernels() {
    }

    /**
     * {@code y[t·rows + r] = Σ_c w[r·cols + c] · x[t·cols + c]} for {@code t < count[0]} (of {@code capacity}),
     * float32 weights.
     */
    public static void matMulF32(FloatArray w, FloatArray x, FloatArray y, IntArray count, int rows, int cols,
                                 int capacity) {
        for (@Parallel int t = 0; t < capacity; t++) {
            for (@Parallel int r = 0; r < rows; r++) {
                if (t < count.get(0)) {
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
    }

    /** {@link #matMulF32} over IEEE half weights given as raw 16-bit codes. */
    public static void matMulF16(ShortArray w, FloatArray x, FloatArray y, IntArray count, int rows, int cols,
                                 int capacity) {
        for (@Parallel int t = 0; t < capacity; t++) {
            for (@Parallel int r = 0; r < rows; r++) {
                if (t < count.get(0)) {
                    float acc = 0f;
                    int row = r * cols;
                    int input = t * cols;
                    for (int c = 0; c < cols; c++) {
                        acc = DeviceMath.multiplyAdd(acc, InferenceMath.halfBitsToFloat(w.get(row + c)),
                                x.get(input + c));
                    }
                    y.set(t * rows + r, acc);
                }
            }
        }
    }

    /**
     * {@link #matMulF32} over Q8_0 weights in GGUF's byte layout (per row {@code cols/32} blocks of an f16 scale and
     * 32 signed bytes); per block the products are summed in float, then scaled, as in
     * {@link InferenceKernels#matVecQ8_0}.
     */
    public static void matMulQ8_0(ByteArray w, FloatArray x, FloatArray y, IntArray count, int rows, int cols,
                                  int capacity) {
        for (@Parallel int t = 0; t < capacity; t++) {
            for (@Parallel int r = 0; r < rows; r++) {
                if (t < count.get(0)) {
                    int blocks = cols / InferenceMath.Q8_0_BLOCK_SIZE;
                    int rowStart = r * blocks * InferenceMath.Q8_0_BLOCK_BYTES;
                    int input = t * cols;
                    float acc = 0f;
                    for (int b = 0; b < blocks; b++) {
                        int offset = rowStart + b * InferenceMath.Q8_0_BLOCK_BYTES;
                        float scale = InferenceMath.q8Scale(w.get(offset), w.get(offset + 1));
                        float blockSum = 0f;
                        int column = input + b * InferenceMath.Q8_0_BLOCK_SIZE;
                        for (int j = 0; j < InferenceMath.Q8_0_BLOCK_SIZE; j++) {
                            blockSum = DeviceMath.multiplyAdd(blockSum, w.get(offset + 2 + j),
                                    x.get(column + j));
                        }
                        acc = DeviceMath.multiplyAdd(acc, scale, blockSum);
                    }
                    y.set(t * rows + r, acc);
                }
            }
        }
    }

    /**
     * RMSNorm of each of {@code count[0]} rows of {@code width} floats, one work item per row:
     * {@code out = x · (1 / sqrt(Σx²/width + eps[0])) · weight}, the sum of squares in double, the two products in
     * the CPU kernels' order.
     */
    public static void rmsNormRows(FloatArray x, FloatArray weight, FloatArray out, IntArray count, DoubleArray eps,
                                   int width, int capacity) {
        for (@Parallel int r = 0; r < capacity; r++) {
            if (r < count.get(0)) {
                int base = r * width;
                double sum = 0;
                for (int i = 0; i < width; i++) {
                    double v = x.get(base + i);
                    sum += v * v;
                }
                float scale = (float) (1.0 / Math.sqrt(sum / width + eps.get(0)));
                for (int i = 0; i < width; i++) {
                    out.set(base + i, x.get(base + i) * scale * weight.get(i));
                }
            }
        }
    }

    /**
     * The rotary embedding in place, Hugging Face's rotate-half layout, for {@code count[0]} rows of
     * {@code rowStride} floats each holding {@code heads} heads of {@code headDim} from its start: in row {@code t},
     * element {@code i < headDim/2} of a head pairs with {@code i + headDim/2} and turns by the angle whose cosine and
     * sine are {@code cos[t·headDim/2 + i]}, {@code sin[t·headDim/2 + i]}. One work item per pair.
     */
    public static void ropeRows(FloatArray x, FloatArray cos, FloatArray sin, IntArray count, int rowStride,
                                int heads, int headDim, int capacity) {
        int half = headDim / 2;
        int perRow = heads * half;
        for (@Parallel int k = 0; k < capacity * perRow; k++) {
            int row = k / perRow;
            if (row < count.get(0)) {
                int within = k - row * perRow;
                int head = within / half;
                int pair = within - head * half;
                int first = row * rowStride + head * headDim + pair;
                int second = first + half;
                float c = cos.get(row * half + pair);
                float s = sin.get(row * half + pair);
                float x0 = x.get(first);
                float x1 = x.get(second);
                x.set(first, InferenceMath.rotateFirst(x0, x1, c, s));
                x.set(second, InferenceMath.rotateSecond(x0, x1, c, s));
            }
        }
    }

    /**
     * Causal grouped-query attention of {@code args[1]} query rows at positions {@code args[0] + t} over the cached
     * keys and values ({@code [position][kvHeads][headDim]}, already holding those positions), one work item per
     * (row, head): scores {@code q·k · factors[0]}, soft-capped when {@code factors[1] > 0}, restricted to the
     * sliding {@code window} when positive, max-subtracted softmax (sum in double), and the probability-weighted sum
     * of the values accumulated position by position. {@code scores} is scratch of
     * {@code capacity × heads × contextCapacity} floats.
     */
    public static void attentionRows(FloatArray q, FloatArray keys, FloatArray values, FloatArray scores,
                                     FloatArray out, IntArray args, FloatArray factors, int heads, int kvHeads,
                                     int headDim, int window, int capacity, int contextCapacity) {
        for (@Parallel int t = 0; t < capacity; t++) {
            for (@Parallel int h = 0; h < heads; h++) {
                if (t < args.get(1)) {
                    int position = args.get(0) + t;
                    int first = 0;
                    if (window > 0) {
                        first = Math.max(0, position - window + 1);
                    }
                    int length = position - first + 1;
                    int kvDim = kvHeads * headDim;
                    int query = (t * heads + h) * headDim;
                    int kvOffset = (h / (heads / kvHeads)) * headDim;
                    int scoreRow = (t * heads + h) * contextCapacity;
                    float scale = factors.get(0);
                    float cap = factors.get(1);
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < length; j++) {
                        int key = (first + j) * kvDim + kvOffset;
                        float dot = 0f;
                        for (int d = 0; d < headDim; d++) {
                            dot = DeviceMath.multiplyAdd(dot, q.get(query + d), keys.get(key + d));
                        }
                        float score = dot * scale;
                        if (cap > 0f) {
                            score = DeviceMath.softCap(score, cap);
                        }
                        scores.set(scoreRow + j, score);
                        max = Math.max(max, score);
                    }
                    double sum = 0;
                    for (int j = 0; j < length; j++) {
                        float e = InferenceMath.softmaxNumerator(scores.get(scoreRow + j), max);
                        scores.set(scoreRow + j, e);
                        sum += e;
                    }
                    float inverse = (float) (1.0 / sum);
                    for (int d = 0; d < headDim; d++) {
                        float acc = 0f;
                        for (int j = 0; j < length; j++) {
                            int value = (first + j) * kvDim + kvOffset;
                            acc = DeviceMath.multiplyAdd(acc, scores.get(scoreRow + j) * inverse,
                                    values.get(value + d));
                        }
                        out.set(query + d, acc);
                    }
                }
            }
        }
    }

    /** Which activation {@link #gatedActivation} applies: {@code args[1]} is one of these. */
    public static final int SILU = 0;
    public static final int GELU_TANH = 1;

    /**
     * The gated MLP's element-wise step in place for {@code i < args[0]}: {@code gate[i] = g / (1 + e^(−u)) · up[i]}
     * with {@code u = g} ({@link #SILU}) or {@code u = 2·sqrt(2/π)·(g + 0.044715·g³)} ({@link #GELU_TANH}), the
     * formulas of the CPU kernels (whose exponential is a vectorised approximation; here {@link Math#exp}).
     */
    public static void gatedActivation(FloatArray gate, FloatArray up, IntArray args, int capacity) {
        for (@Parallel int i = 0; i < capacity; i++) {
            if (i < args.get(0)) {
                float g = gate.get(i);
                float u = g;
                if (args.get(1) == GELU_TANH) {
                    u = (g * g * 0.044715f + 1f) * g * 1.5957691216057308f;
                }
                gate.set(i, g / ((float) Math.exp(-u) + 1f) * up.get(i));
            }
        }
    }
}
