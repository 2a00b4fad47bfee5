package org.evomerge.inference;

import java.util.Map;
import java.util.Optional;

import org.evomerge.api.model.ModelConfig;

/**
 * The sparse mixture-of-experts MLP of a Mixtral-style decoder ({@code MixtralForCausalLM}): every layer's MLP is
 * {@code experts} SwiGLU experts of the config's {@code intermediate_size} behind a linear router, and each token goes
 * through the {@code perToken} experts its router ranks highest (transformers' {@code MixtralSparseMoeBlock}).
 *
 * @param experts  {@code num_local_experts}, at least 1
 * @param perToken {@code num_experts_per_tok}, in {@code [1, experts]}
 */
record ExpertRouting(int experts, int perToken) {

    /** Hugging Face's {@code MixtralConfig} default for {@code num_experts_per_tok}. */
    private static final int DEFAULT_PER_TOKEN = 2;

    /**
     * The routing {@code modelConfig} states for a Mixtral-style {@code config}, or empty for a dense decoder.
     *
     * @throws org.evomerge.api.EvomergeException (input) naming the model and the field when a count is missing or
     *     out of range
     */
    static Optional<ExpertRouting> of(LlamaConfig config, ModelConfig modelConfig) {
        if (!config.architecture().equals("MixtralForCausalLM")) {
            return Optional.empty();
        }
        Map<String, Object> raw = modelConfig.raw();
        if (!(raw.get("num_local_experts") instanceof Number experts) || experts.intValue() < 1) {
            throw LlamaConfig.error(config.modelName(), "config field 'num_local_experts' is missing or not positive");
        }
        int perToken = raw.get("num_experts_per_tok") instanceof Number n ? n.intValue() : DEFAULT_PER_TOKEN;
        if (perToken < 1 || perToken > experts.intValue()) {
            throw LlamaConfig.error(config.modelName(), "config field 'num_experts_per_tok' is " + perToken
                    + ", expected 1 to num_local_experts (" + experts.intValue() + ")");
        }
        return Optional.of(new ExpertRouting(experts.intValue(), perToken));
    }

    /**
     * Routes one token: softmax over the router's {@code experts} logits at {@code logits[offset ..]}, the
     * {@code perToken} largest probabilities (ties to the lower expert index), renormalised to sum to 1, as
     * transformers' Mixtral block computes them (softmax in float32 there; in double here, rounded once). Writes the
     * chosen experts in increasing index order to {@code chosen[out ..]} and their weights to {@code weights[out ..]}.
     */
    void route(float[] logits, int offset, int[] chosen, float[] weights, int out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int e = 0; e < experts; e++) {
            max = Math.max(max, logits[offset + e]);
        }
        double[] probability = new double[experts];
        double sum = 0;
        for (int e = 0; e < experts; e++) {
            probability[e] = Math.exp(logits[offset + e] - max);
            sum += probability[e];
        }
        boolean[] taken = new boolean[experts];
        double kept = 0;
        for (int j = 0; j < perToken; j++) {
            int best = -1;
            for (int e = 0; e < experts; e++) {
                if (!taken[e] && (best < 0 || probability[e] > probability[best])) {
                    best = e;
                }
            }
            taken[best] = true;
            kept += probability[best] / sum;
        }
        for (int e = 0, j = 0; e < experts; e++) {
            if (taken[e]) {
                chosen[out + j] = e;
                weights[out + j] = (float) (probability[e] / sum / kept);
                j++;
            }
        }
    }
}
