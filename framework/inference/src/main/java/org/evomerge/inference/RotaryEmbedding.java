package org.evomerge.inference;

import java.util.Map;

/**
 * Rotary position embedding in Hugging Face's "rotate half" layout: element {@code i < headDim/2} of a head is paired
 * with element {@code i + headDim/2} and the pair is rotated by {@code position · invFreq[i]}. Frequencies follow
 * {@code rope_theta} and, when present, {@code rope_scaling} of type {@code default}, {@code linear} or {@code llama3}
 * (Llama 3.1's smooth interpolation between scaled low and unscaled high frequencies). Immutable.
 */
final class RotaryEmbedding {

    private final double[] invFreq;

    private RotaryEmbedding(double[] invFreq) {
        this.invFreq = invFreq;
    }

    static RotaryEmbedding of(String model, int headDim, double theta, Object scaling) {
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
                        + "' is not supported by the inference engine (supported: default, linear, llama3)");
            }
        } else if (scaling != null) {
            throw LlamaConfig.error(model, "config field 'rope_scaling' must be an object or null");
        }
        return new RotaryEmbedding(invFreq);
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

    /** Fills {@code cos[i]} and {@code sin[i]} ({@code i < headDim/2}) for {@code position}, computed in double. */
    void angles(int position, float[] cos, float[] sin) {
        for (int i = 0; i < invFreq.length; i++) {
            double angle = position * invFreq[i];
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
    }

    /** Rotates {@code heads} consecutive heads of {@code headDim} floats at {@code x[offset ..)}. */
    static void rotate(float[] x, int offset, int heads, int headDim, float[] cos, float[] sin) {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            for (int i = 0; i < half; i++) {
                float a = x[base + i];
                float b = x[base + i + half];
                x[base + i] = a * cos[i] - b * sin[i];
                x[base + i + half] = b * cos[i] + a * sin[i];
            }
        }
    }
}
