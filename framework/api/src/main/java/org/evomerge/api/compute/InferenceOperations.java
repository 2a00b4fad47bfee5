package org.evomerge.api.compute;

import java.lang.foreign.MemorySegment;
import org.evomerge.api.Experimental;
import org.evomerge.api.tensor.DType;

/**
 * The kernels of a decoder's forward pass, with weights resident where they run: a model's matrices are uploaded
 * once when it is loaded and every evaluation, session and token after that reuses them. Activations are plain float
 * arrays, row-major, one row per token. Implementations are thread-safe (a GPU implementation may serialise calls).
 *
 * <p>Numerics: products and norms agree with a double-precision reference within float rounding of the
 * accumulation order (each implementation's tests declare the tolerance); softmax is max-subtracted.
 */
@Experimental(since = "0.1.0",
        reason = "device-side inference kernels; the set grows as more architectures run on accelerators")
public interface InferenceOperations extends AutoCloseable {

    /** Whether {@link #upload} accepts weights of this dtype (at least F32, F16, BF16 and Q8_0). */
    boolean supports(DType dtype);

    /**
     * Makes a {@code rows × cols} row-major matrix stored as {@code dtype} at {@code data} resident. {@code data}
     * must stay valid until the handle is closed (a CPU implementation reads it in place).
     *
     * @throws IllegalArgumentException if the dtype is not supported or {@code data} is too small
     */
    WeightHandle upload(MemorySegment data, DType dtype, int rows, int cols);

    /**
     * {@code out[t·rows + r] = Σ_c W[r][c] · x[t·cols + c]} for every token {@code t < tokens} (a matrix-vector
     * product for one token, a matrix-matrix product for a batch).
     */
    void multiply(WeightHandle weights, float[] x, int tokens, float[] out);

    /**
     * RMSNorm of each of {@code rows} rows of {@code weight.length} floats:
     * {@code out = x / sqrt(mean(x²) + eps) · weight}, the mean square summed in double.
     */
    void rmsNorm(float[] x, float[] weight, double eps, int rows, float[] out);

    /**
     * Rotary embedding in place, Hugging Face's rotate-half layout: for each of {@code heads} heads of
     * {@code headDim} floats at {@code x[offset ..)}, element i &lt; headDim/2 pairs with i + headDim/2 and the pair
     * is rotated by the angle whose cosine and sine are {@code cos[i]}, {@code sin[i]}.
     */
    void rope(float[] x, int offset, int heads, int headDim, float[] cos, float[] sin);

    /**
     * The rotary embedding of {@code rows} rows in place, as {@link #rope(float[], int, int, int, float[], float[])}
     * does for one: row {@code t}'s heads start at {@code x[offset + t·rowStride]} and turn by the angles at
     * {@code cos[t·headDim/2 ..)} and {@code sin[t·headDim/2 ..)}. The default rotates row by row; a device
     * implementation rotates the batch in one launch.
     */
    default void rope(float[] x, int offset, int rows, int rowStride, int heads, int headDim, float[] cos,
                      float[] sin) {
        int half = headDim / 2;
        float[] rowCos = new float[half];
        float[] rowSin = new float[half];
        for (int t = 0; t < rows; t++) {
            System.arraycopy(cos, t * half, rowCos, 0, half);
            System.arraycopy(sin, t * half, rowSin, 0, half);
            rope(x, offset + t * rowStride, heads, headDim, rowCos, rowSin);
        }
    }

    /**
     * The gated MLP's element-wise step, in place: {@code gate[i] = activation(gate[i]) · up[i]} for {@code i < n},
     * with {@code activation(g) = g / (1 + e^(−u))} where {@code u = g} (SiLU) or
     * {@code u = 2·sqrt(2/π)·(g + 0.044715·g³)} (GeLU, tanh form). The default computes it element by element.
     */
    default void gatedActivation(GateActivation activation, float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            float u = activation == GateActivation.SILU ? g
                    : (g * g * 0.044715f + 1f) * g * (float) (2 * Math.sqrt(2 / Math.PI));
            gate[i] = g / ((float) Math.exp(-u) + 1f) * up[i];
        }
    }

    /**
     * Causal attention of {@code tokens} queries at positions {@code start ..} over the cached keys and values
     * (which already hold those positions): scores {@code q·k · shape.scale()}, soft-capped when
     * {@code shape.softCap()} is positive, softmax, weighted sum of values.
     */
    void attention(AttentionShape shape, float[] keys, float[] values, float[] q, int start, int tokens, float[] out);

    /** Releases every handle still open. */
    @Override
    void close();
}
