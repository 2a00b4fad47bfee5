package org.evomerge.inference;

import java.util.Map;
import java.util.Optional;

import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.api.tensor.TensorSource;
import org.evomerge.kernels.InferenceMath;

/**
 * Rotary position embedding in Hugging Face's "rotate half" layout: element {@code i < headDim/2} of a head is paired
 * with element {@code i + headDim/2} and the pair is rotated by {@code position · invFreq[i]}. Frequencies follow
 * {@code rope_theta} and, when present, {@code rope_scaling} of type {@code default}, {@code linear} or {@code llama3}
 * (Llama 3.1's smooth interpolation between scaled low and unscaled high frequencies), or per-pair divisors from a
 * {@code rope_freqs.weight} tensor (llama.cpp's GGUF form of the same scaling). The one definition of RoPE:
 * the inference engine's forward pass and training's forward and backward passes both rotate with it, each pair by
 * {@link InferenceMath}'s rotation. Immutable.
 */
public final class RotaryEmbedding {

    private final double[] invFreq;

    private RotaryEmbedding(double[] invFreq) {
        this.invFreq = invFreq;
    }

    /**
     * The embedding of heads of width {@code headDim} with base {@code theta} and {@code rope_scaling} as
     * {@code config.json} states it (a JSON object, or null).
     *
     * @throws org.evomerge.api.EvomergeException (input) naming {@code model} and the field when the scaling is of an
     *     unsupported type or lacks a parameter
     */
    public static RotaryEmbedding of(String model, int headDim, double theta, Object scaling) {
        int half = headDim / 2;
        double[] invFreq = new double[half];
        for (int i = 0; i < half; i++) {
            invFreq[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
        }
        if (scaling instanceof Map<?, ?> map) {
            Object type = map.get("rope_type") != null ? map.get("rope_type") : map.get("type");
            String ropeType = type == null ? "default" : type.toString();
            switch (ropeType) {
                case "default" -> { }
                case "linear" -> {
                    double factor = number(model, map, "factor");
                    for (int i = 0; i < half; i++) {
                        invFreq[i] /= factor;
                    }
                }
                case "llama3" -> llama3(model, map, invFreq);
                default -> throw LlamaConfig.error(model, "rope_scaling.rope_type '" + ropeType
                        + "' is not supported (supported: default, linear, llama3)");
            }
        } else if (scaling != null) {
            throw LlamaConfig.error(model, "config field 'rope_scaling' must be an object or null");
        }
        return new RotaryEmbedding(invFreq);
    }

    /** The tensor of per-pair frequency divisors llama.cpp's converter writes for Llama 3.1-style scaling. */
    static final String FREQUENCY_FACTORS = "rope_freqs.weight";

    /**
     * The values of {@code rope_freqs.weight} when {@code tensors} holds it, else null.
     *
     * @throws org.evomerge.api.EvomergeException (input) naming {@code model} and the tensor when it is not a float
     *     vector
     */
    static float[] frequencyFactors(String model, TensorSource tensors) {
        Optional<TensorInfo> found = tensors.find(FREQUENCY_FACTORS);
        if (found.isEmpty()) {
            return null;
        }
        TensorInfo info = found.get();
        long length = info.shape().elementCount();
        if (info.shape().rank() != 1 || length < 1 || length > Integer.MAX_VALUE
                || (info.dtype() != DType.F32 && info.dtype() != DType.F16 && info.dtype() != DType.BF16)) {
            throw LlamaConfig.error(model, "tensor '" + FREQUENCY_FACTORS + "' has shape " + info.shape()
                    + " and dtype " + info.dtype() + ", expected a vector of F32, F16 or BF16");
        }
        float[] factors = new float[(int) length];
        WeightMatrix.of(tensors.tensor(FREQUENCY_FACTORS).data(), info.dtype(), 1, factors.length)
                .decodeRow(0, factors, 0);
        return factors;
    }

    /**
     * This embedding with frequency {@code i} divided by {@code factors[i]}, as llama.cpp's RoPE divides
     * {@code theta_i} by {@code rope_freqs[i]}.
     *
     * @throws org.evomerge.api.EvomergeException (input) naming {@code model} and the tensor when there is not one
     *     positive finite factor per rotated pair
     */
    RotaryEmbedding dividedBy(String model, float[] factors) {
        if (factors.length != invFreq.length) {
            throw LlamaConfig.error(model, "tensor '" + FREQUENCY_FACTORS + "' has " + factors.length
                    + " values, expected head_dim / 2 = " + invFreq.length);
        }
        double[] divided = new double[invFreq.length];
        for (int i = 0; i < divided.length; i++) {
            if (!(factors[i] > 0) || Float.isInfinite(factors[i])) {
                throw LlamaConfig.error(model, "tensor '" + FREQUENCY_FACTORS + "' value " + i + " is " + factors[i]
                        + ", expected a positive finite number");
            }
            divided[i] = invFreq[i] / factors[i];
        }
        return new RotaryEmbedding(divided);
    }

    private static void llama3(String model, Map<?, ?> map, double[] invFreq) {
        double factor = number(model, map, "factor");
        double low = number(model, map, "low_freq_factor");
        double high = number(model, map, "high_freq_factor");
        double original = number(model, map, "original_max_position_embeddings");
        double lowWavelen = original / low;
        double highWavelen = original / high;
        for (int i = 0; i < invFreq.length; i++) {
            double wavelen = 2 * Math.PI / invFreq[i];
            if (wavelen > lowWavelen) {
                invFreq[i] /= factor;
            } else if (wavelen >= highWavelen) {
                double smooth = (original / wavelen - low) / (high - low);
                invFreq[i] = (1 - smooth) * invFreq[i] / factor + smooth * invFreq[i];
            }
        }
    }

    private static double number(String model, Map<?, ?> map, String key) {
        if (map.get(key) instanceof Number n && n.doubleValue() > 0) {
            return n.doubleValue();
        }
        throw LlamaConfig.error(model, "config field 'rope_scaling." + key + "' is missing or not a positive number");
    }

    /** Rotated pairs per head: {@code headDim / 2}. */
    public int pairs() {
        return invFreq.length;
    }

    /** Fills {@code cos[i]} and {@code sin[i]} ({@code i < headDim/2}) for {@code position}, computed in double. */
    public void angles(int position, float[] cos, float[] sin) {
        angles(position, cos, sin, 0);
    }

    /**
     * Fills {@code cos[offset + i]} and {@code sin[offset + i]} ({@code i < headDim/2}) for {@code position}, computed
     * in double: rows of a table of several positions.
     */
    public void angles(int position, float[] cos, float[] sin, int offset) {
        for (int i = 0; i < invFreq.length; i++) {
            double angle = position * invFreq[i];
            cos[offset + i] = (float) Math.cos(angle);
            sin[offset + i] = (float) Math.sin(angle);
        }
    }

    /** Rotates {@code heads} consecutive heads of {@code headDim} floats at {@code x[offset ..)}. */
    public static void rotate(float[] x, int offset, int heads, int headDim, float[] cos, float[] sin) {
        rotate(x, offset, heads, headDim, cos, sin, 0);
    }

    /**
     * Rotates {@code heads} consecutive heads of {@code headDim} floats at {@code x[offset ..)} by the angles at
     * {@code cos[angles ..)} and {@code sin[angles ..)}; with the sines negated it is the inverse (transposed)
     * rotation, which backward passes apply to gradients.
     */
    public static void rotate(float[] x, int offset, int heads, int headDim, float[] cos, float[] sin, int angles) {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            for (int i = 0; i < half; i++) {
                float c = cos[angles + i];
                float s = sin[angles + i];
                float a = x[base + i];
                float b = x[base + i + half];
                x[base + i] = InferenceMath.rotateFirst(a, b, c, s);
                x[base + i + half] = InferenceMath.rotateSecond(a, b, c, s);
            }
        }
    }
}
