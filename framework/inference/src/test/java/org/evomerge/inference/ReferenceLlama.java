package org.evomerge.inference;

import java.util.Map;

/**
 * An independent, plain double-precision Llama forward pass for tests: straightforward loops over the decoded weights
 * of a {@link TinyModel}, full recomputation for every sequence, nothing shared with the engine. It follows Hugging
 * Face's {@code modeling_llama.py} / {@code modeling_mistral.py} / {@code modeling_qwen2.py} step by step.
 */
final class ReferenceLlama {

    private final TinyModel model;
    private final TinyModel.Spec spec;
    /** How many times each expert of a mixture was chosen, over all layers and calls (empty for a dense model). */
    final int[] expertUses;
    /** The input of each layer in the last {@link #logits} call: {@code [layer][token][hidden]}. */
    double[][][] layerInputs;

    ReferenceLlama(TinyModel model) {
        this.model = model;
        this.spec = model.spec;
        this.expertUses = new int[model.experts];
    }

    /** Logits after every position: {@code [tokens.length][vocab]}. */
    double[][] logits(int[] tokens) {
        int n = tokens.length;
        int h = spec.hidden();
        int hd = spec.headDim();
        int nq = spec.heads();
        int nkv = spec.kvHeads();
        double[] invFreq = inverseFrequencies();
        double[][] x = new double[n][];
        double[] embedding = model.weight("model.embed_tokens.weight");
        for (int t = 0; t < n; t++) {
            x[t] = new double[h];
            System.arraycopy(embedding, tokens[t] * h, x[t], 0, h);
        }
        layerInputs = new double[spec.layers()][][];
        for (int l = 0; l < spec.layers(); l++) {
            String p = "model.layers." + l + ".";
            layerInputs[l] = new double[n][];
            for (int t = 0; t < n; t++) {
                layerInputs[l][t] = x[t].clone();
            }
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] xn = rmsNorm(x[t], model.weight(p + "input_layernorm.weight"));
                q[t] = linear(p + "self_attn.q_proj", xn, nq * hd);
                k[t] = linear(p + "self_attn.k_proj", xn, nkv * hd);
                v[t] = linear(p + "self_attn.v_proj", xn, nkv * hd);
                rope(q[t], nq, t, invFreq);
                rope(k[t], nkv, t, invFreq);
            }
            for (int t = 0; t < n; t++) {
                double[] attn = new double[nq * hd];
                for (int head = 0; head < nq; head++) {
                    int kvHead = head / (nq / nkv);
                    double[] scores = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        boolean visible = spec.slidingWindow() == null || t - s < spec.slidingWindow();
                        if (!visible) {
                            scores[s] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += q[t][head * hd + d] * k[s][kvHead * hd + d];
                        }
                        scores[s] = dot / Math.sqrt(hd);
                        max = Math.max(max, scores[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= t; s++) {
                        scores[s] = Math.exp(scores[s] - max);
                        sum += scores[s];
                    }
                    for (int s = 0; s <= t; s++) {
                        for (int d = 0; d < hd; d++) {
                            attn[head * hd + d] += scores[s] / sum * v[s][kvHead * hd + d];
                        }
                    }
                }
                double[] o = linear(p + "self_attn.o_proj", attn, h);
                for (int i = 0; i < h; i++) {
                    x[t][i] += o[i];
                }
                double[] xn = rmsNorm(x[t], model.weight(p + "post_attention_layernorm.weight"));
                double[] down = model.experts > 0 ? mixtureOfExperts(p + "block_sparse_moe.", xn)
                        : swiGlu(p + "mlp.gate_proj", p + "mlp.up_proj", p + "mlp.down_proj", xn);
                for (int i = 0; i < h; i++) {
                    x[t][i] += down[i];
                }
            }
        }
        String head = spec.tied() ? "model.embed_tokens" : "lm_head";
        double[][] logits = new double[n][];
        for (int t = 0; t < n; t++) {
            logits[t] = linear(head, rmsNorm(x[t], model.weight("model.norm.weight")), spec.vocab());
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

    private double[] swiGlu(String gateProjection, String upProjection, String downProjection, double[] xn) {
        double[] gate = linear(gateProjection, xn, spec.intermediate());
        double[] up = linear(upProjection, xn, spec.intermediate());
        double[] act = new double[spec.intermediate()];
        for (int i = 0; i < act.length; i++) {
            act[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
        }
        return linear(downProjection, act, spec.hidden());
    }

    /**
     * transformers' {@code MixtralSparseMoeBlock}: softmax over the router's logits, the top {@code perToken}
     * probabilities renormalised to sum to 1, the weighted sum of those experts' SwiGLU outputs ({@code w1} gate,
     * {@code w3} up, {@code w2} down).
     */
    private double[] mixtureOfExperts(String prefix, double[] xn) {
        double[] logits = linear(prefix + "gate", xn, model.experts);
        double max = java.util.Arrays.stream(logits).max().orElseThrow();
        double[] probability = new double[logits.length];
        double sum = 0;
        for (int e = 0; e < logits.length; e++) {
            probability[e] = Math.exp(logits[e] - max);
            sum += probability[e];
        }
        Integer[] order = new Integer[logits.length];
        for (int e = 0; e < order.length; e++) {
            probability[e] /= sum;
            order[e] = e;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(probability[b], probability[a]));
        double kept = 0;
        for (int j = 0; j < model.perToken; j++) {
            kept += probability[order[j]];
        }
        double[] out = new double[spec.hidden()];
        for (int j = 0; j < model.perToken; j++) {
            expertUses[order[j]]++;
            String expert = prefix + "experts." + order[j] + ".";
            double[] y = swiGlu(expert + "w1", expert + "w3", expert + "w2", xn);
            for (int i = 0; i < out.length; i++) {
                out[i] += probability[order[j]] / kept * y[i];
            }
        }
        return out;
    }

    private double[] linear(String prefix, double[] input, int outputs) {
        double[] w = model.weight(prefix + ".weight");
        double[] bias = model.optionalWeight(prefix + ".bias").orElse(null);
        int in = input.length;
        double[] out = new double[outputs];
        for (int o = 0; o < outputs; o++) {
            double sum = bias == null ? 0 : bias[o];
            for (int i = 0; i < in; i++) {
                sum += w[o * in + i] * input[i];
            }
            out[o] = sum;
        }
        return out;
    }

    private static double[] rmsNorm(double[] x, double[] weight) {
        double meanSquare = 0;
        for (double value : x) {
            meanSquare += value * value;
        }
        meanSquare /= x.length;
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = weight[i] * (x[i] / Math.sqrt(meanSquare + 1e-5));
        }
        return out;
    }

    /** HF's {@code rotate_half}: {@code x·cos + rotate_half(x)·sin} with the frequencies repeated over both halves. */
    private void rope(double[] x, int heads, int position, double[] invFreq) {
        int hd = spec.headDim();
        for (int head = 0; head < heads; head++) {
            double[] original = new double[hd];
            System.arraycopy(x, head * hd, original, 0, hd);
            for (int d = 0; d < hd; d++) {
                double angle = position * invFreq[d % (hd / 2)];
                double rotated = d < hd / 2 ? -original[d + hd / 2] : original[d - hd / 2];
                x[head * hd + d] = original[d] * Math.cos(angle) + rotated * Math.sin(angle);
            }
        }
    }

    /** {@code _compute_default_rope_parameters} and {@code _compute_llama3_parameters}, written as HF writes them. */
    private double[] inverseFrequencies() {
        int hd = spec.headDim();
        double[] inv = new double[hd / 2];
        for (int i = 0; i < hd; i += 2) {
            inv[i / 2] = 1.0 / Math.pow(spec.ropeTheta(), (double) i / hd);
        }
        Map<String, Object> scaling = spec.ropeScaling();
        if (scaling == null) {
            return inv;
        }
        double factor = ((Number) scaling.get("factor")).doubleValue();
        double lowFactor = ((Number) scaling.get("low_freq_factor")).doubleValue();
        double highFactor = ((Number) scaling.get("high_freq_factor")).doubleValue();
        double oldContext = ((Number) scaling.get("original_max_position_embeddings")).doubleValue();
        double lowWavelen = oldContext / lowFactor;
        double highWavelen = oldContext / highFactor;
        double[] result = new double[inv.length];
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            double llama = wavelen > lowWavelen ? inv[i] / factor : inv[i];
            double smooth = (oldContext / wavelen - lowFactor) / (highFactor - lowFactor);
            double smoothed = (1 - smooth) * llama / factor + smooth * llama;
            boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
            result[i] = medium ? smoothed : llama;
        }
        return result;
    }
}
