package org.evomerge.inference;

import java.util.Map;

/**
 * An independent, plain double-precision forward pass of a {@link TinyDecoder} for tests: loops over the decoded
 * weights, full recomputation for every sequence, nothing shared with the engine. It follows transformers'
 * {@code modeling_qwen3.py}, {@code modeling_gemma2.py}, {@code modeling_gemma3.py} ({@code Gemma3ForCausalLM}) and
 * {@code modeling_phi3.py} step by step, reading the configuration as their configuration classes do.
 */
final class ReferenceDecoder {

    private final TinyDecoder model;
    private final Map<String, Object> config;
    private final String arch;

    ReferenceDecoder(TinyDecoder model) {
        this.model = model;
        this.config = model.config;
        this.arch = model.architecture;
    }

    private boolean gemma() {
        return arch.startsWith("Gemma");
    }

    private double number(String key) {
        return ((Number) config.get(key)).doubleValue();
    }

    /** {@code layer_types}: Gemma 2 {@code "sliding_attention" if (i + 1) % 2 else "full_attention"}; Gemma 3 with
     * {@code sliding_window_pattern}; Phi-3 slides everywhere when it has a window; Qwen3 here never. */
    private Integer window(int layer) {
        return switch (arch) {
            case "Gemma2ForCausalLM" -> (layer + 1) % 2 != 0 ? (Integer) config.get("sliding_window") : null;
            case "Gemma3ForCausalLM" -> (layer + 1) % ((Number) config.get("sliding_window_pattern")).intValue() != 0
                    ? (Integer) config.get("sliding_window") : null;
            case "Phi3ForCausalLM" -> (Integer) config.get("sliding_window");
            default -> null;
        };
    }

    /** Logits after every position: {@code [tokens.length][vocab]}. */
    double[][] logits(int[] tokens) {
        int n = tokens.length;
        int h = model.hidden();
        int hd = model.headDim();
        int nq = model.heads();
        int nkv = model.kvHeads();
        int ff = model.intermediate();
        double eps = number("rms_norm_eps");
        double[] embedding = model.weight("model.embed_tokens.weight");
        double normalizer = gemma() ? normalizer(h) : 1;
        double[][] x = new double[n][];
        for (int t = 0; t < n; t++) {
            x[t] = new double[h];
            for (int i = 0; i < h; i++) {
                x[t][i] = embedding[tokens[t] * h + i] * normalizer;
            }
        }
        double scaling = gemma() ? Math.pow(number("query_pre_attn_scalar"), -0.5) : 1 / Math.sqrt(hd);
        Double softcap = config.get("attn_logit_softcapping") instanceof Number c ? c.doubleValue() : null;
        for (int l = 0; l < model.layers(); l++) {
            String p = "model.layers." + l + ".";
            Integer window = window(l);
            double[] invFreq = inverseFrequencies(l);
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] xn = norm(x[t], model.weight(p + "input_layernorm.weight"), eps);
                if (arch.equals("Phi3ForCausalLM")) {
                    double[] qkv = linear(p + "self_attn.qkv_proj", xn, nq * hd + 2 * nkv * hd);
                    q[t] = java.util.Arrays.copyOfRange(qkv, 0, nq * hd);
                    k[t] = java.util.Arrays.copyOfRange(qkv, nq * hd, nq * hd + nkv * hd);
                    v[t] = java.util.Arrays.copyOfRange(qkv, nq * hd + nkv * hd, qkv.length);
                } else {
                    q[t] = linear(p + "self_attn.q_proj", xn, nq * hd);
                    k[t] = linear(p + "self_attn.k_proj", xn, nkv * hd);
                    v[t] = linear(p + "self_attn.v_proj", xn, nkv * hd);
                }
                if (model.has(p + "self_attn.q_norm.weight")) {
                    headNorm(q[t], nq, model.weight(p + "self_attn.q_norm.weight"), eps);
                    headNorm(k[t], nkv, model.weight(p + "self_attn.k_norm.weight"), eps);
                }
                rope(q[t], nq, t, invFreq);
                rope(k[t], nkv, t, invFreq);
            }
            for (int t = 0; t < n; t++) {
                double[] attn = new double[nq * hd];
                for (int head = 0; head < nq; head++) {
                    int kvHead = head / (nq / nkv);
                    double[] weights = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        double dot = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += q[t][head * hd + d] * k[s][kvHead * hd + d];
                        }
                        double w = dot * scaling;
                        if (softcap != null) {
                            w = Math.tanh(w / softcap) * softcap;
                        }
                        boolean visible = window == null || t - s < window;
                        weights[s] = visible ? w : Double.NEGATIVE_INFINITY;
                        max = Math.max(max, weights[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= t; s++) {
                        weights[s] = Math.exp(weights[s] - max);
                        sum += weights[s];
                    }
                    for (int s = 0; s <= t; s++) {
                        for (int d = 0; d < hd; d++) {
                            attn[head * hd + d] += weights[s] / sum * v[s][kvHead * hd + d];
                        }
                    }
                }
                double[] o = linear(p + "self_attn.o_proj", attn, h);
                if (gemma()) {
                    o = norm(o, model.weight(p + "post_attention_layernorm.weight"), eps);
                }
                for (int i = 0; i < h; i++) {
                    x[t][i] += o[i];
                }
                double[] xn = norm(x[t], model.weight(p + (gemma() ? "pre_feedforward_layernorm"
                        : "post_attention_layernorm") + ".weight"), eps);
                double[] gate;
                double[] up;
                if (arch.equals("Phi3ForCausalLM")) {
                    double[] gateUp = linear(p + "mlp.gate_up_proj", xn, 2 * ff);
                    gate = java.util.Arrays.copyOfRange(gateUp, 0, ff);
                    up = java.util.Arrays.copyOfRange(gateUp, ff, 2 * ff);
                } else {
                    gate = linear(p + "mlp.gate_proj", xn, ff);
                    up = linear(p + "mlp.up_proj", xn, ff);
                }
                double[] act = new double[ff];
                for (int i = 0; i < ff; i++) {
                    double g = gate[i];
                    double activated = gemma()
                            ? 0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * Math.pow(g, 3))))
                            : g / (1 + Math.exp(-g));
                    act[i] = activated * up[i];
                }
                double[] down = linear(p + "mlp.down_proj", act, h);
                if (gemma()) {
                    down = norm(down, model.weight(p + "post_feedforward_layernorm.weight"), eps);
                }
                for (int i = 0; i < h; i++) {
                    x[t][i] += down[i];
                }
            }
        }
        String head = model.has("lm_head.weight") ? "lm_head" : "model.embed_tokens";
        Double finalCap = config.get("final_logit_softcapping") instanceof Number c ? c.doubleValue() : null;
        double[][] logits = new double[n][];
        for (int t = 0; t < n; t++) {
            logits[t] = linear(head, norm(x[t], model.weight("model.norm.weight"), eps), model.vocab());
            if (finalCap != null) {
                for (int i = 0; i < logits[t].length; i++) {
                    logits[t][i] = Math.tanh(logits[t][i] / finalCap) * finalCap;
                }
            }
        }
        return logits;
    }

    /** {@code ln softmax(logits[i])[tokens[i + 1]]}. */
    double[] logProbabilities(int[] tokens) {
        double[][] logits = logits(tokens);
        double[] result = new double[tokens.length - 1];
        for (int i = 0; i + 1 < tokens.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double z : logits[i]) {
                max = Math.max(max, z);
            }
            double sum = 0;
            for (double z : logits[i]) {
                sum += Math.exp(z - max);
            }
            result[i] = logits[i][tokens[i + 1]] - max - Math.log(sum);
        }
        return result;
    }

    /** {@code torch.tensor(hidden_size**0.5, dtype=hidden_states.dtype)}: rounded to the checkpoint's dtype. */
    private double normalizer(int hidden) {
        float root = (float) Math.sqrt(hidden);
        return switch (String.valueOf(config.get("torch_dtype"))) {
            case "bfloat16" -> bf16(root);
            case "float16" -> Float.float16ToFloat(Float.floatToFloat16(root));
            default -> root;
        };
    }

    /** Round to nearest even at 8 significant bits (bfloat16). */
    private static double bf16(float value) {
        int exponent = Math.getExponent(value);
        double ulp = Math.scalb(1.0, exponent - 7);
        return Math.rint(value / ulp) * ulp;
    }

    private double[] linear(String prefix, double[] input, int outputs) {
        double[] w = model.weight(prefix + ".weight");
        int in = input.length;
        double[] out = new double[outputs];
        for (int o = 0; o < outputs; o++) {
            double sum = 0;
            for (int i = 0; i < in; i++) {
                sum += w[o * in + i] * input[i];
            }
            out[o] = sum;
        }
        return out;
    }

    /** Llama's {@code weight · x / rms}; Gemma's {@code (1 + weight) · x / rms}. */
    private double[] norm(double[] x, double[] weight, double eps) {
        double meanSquare = 0;
        for (double value : x) {
            meanSquare += value * value;
        }
        meanSquare /= x.length;
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (gemma() ? 1 + weight[i] : weight[i]) * (x[i] / Math.sqrt(meanSquare + eps));
        }
        return out;
    }

    private void headNorm(double[] x, int heads, double[] weight, double eps) {
        int hd = model.headDim();
        for (int head = 0; head < heads; head++) {
            double[] part = java.util.Arrays.copyOfRange(x, head * hd, (head + 1) * hd);
            System.arraycopy(norm(part, weight, eps), 0, x, head * hd, hd);
        }
    }

    /** {@code x·cos + rotate_half(x)·sin} on the first {@code rotary_dim} of each head, the rest passed through. */
    private void rope(double[] x, int heads, int position, double[] invFreq) {
        int hd = model.headDim();
        int rot = 2 * invFreq.length;
        for (int head = 0; head < heads; head++) {
            double[] original = java.util.Arrays.copyOfRange(x, head * hd, head * hd + rot);
            for (int d = 0; d < rot; d++) {
                double angle = position * invFreq[d % (rot / 2)];
                double rotated = d < rot / 2 ? -original[d + rot / 2] : original[d - rot / 2];
                x[head * hd + d] = original[d] * Math.cos(angle) + rotated * Math.sin(angle);
            }
        }
    }

    /**
     * {@code 1 / base^(arange(0, dim, 2) / dim)} with {@code dim = head_dim · partial_rotary_factor}; Gemma 3's
     * sliding layers on {@code rope_local_base_freq} unscaled, its global ones on {@code rope_theta} divided by the
     * linear {@code factor}.
     */
    private double[] inverseFrequencies(int layer) {
        int dim = config.get("partial_rotary_factor") instanceof Number f
                ? (int) (model.headDim() * f.doubleValue()) : model.headDim();
        boolean local = arch.equals("Gemma3ForCausalLM") && window(layer) != null;
        double base = local ? number("rope_local_base_freq") : number("rope_theta");
        double[] inv = new double[dim / 2];
        for (int i = 0; i < dim; i += 2) {
            inv[i / 2] = 1.0 / Math.pow(base, (double) i / dim);
        }
        if (!local && config.get("rope_scaling") instanceof Map<?, ?> scaling) {
            double factor = ((Number) scaling.get("factor")).doubleValue();
            for (int i = 0; i < inv.length; i++) {
                inv[i] /= factor;
            }
        }
        return inv;
    }
}
