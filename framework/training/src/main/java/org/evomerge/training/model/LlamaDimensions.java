package org.evomerge.training.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.ModelConfig;

/**
 * The shape of a Llama-family decoder, as Hugging Face's {@code LlamaForCausalLM} reads it from {@code config.json}.
 *
 * @param layers        decoder blocks
 * @param hidden        model width
 * @param intermediate  MLP width
 * @param heads         query heads
 * @param kvHeads       key/value heads (grouped-query attention when fewer than {@code heads})
 * @param headDim       per-head width
 * @param vocabulary    token ids
 * @param tied          whether the output head is the embedding
 * @param ropeTheta     RoPE base
 * @param rmsNormEps    RMSNorm epsilon
 */
public record LlamaDimensions(int layers, int hidden, int intermediate, int heads, int kvHeads, int headDim,
        int vocabulary, boolean tied, double ropeTheta, double rmsNormEps) {

    public LlamaDimensions {
        if (layers < 1 || hidden < 1 || intermediate < 1 || heads < 1 || kvHeads < 1 || headDim < 2
                || vocabulary < 1) {
            throw new IllegalArgumentException("every size must be positive");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " attention heads are not a multiple of " + kvHeads
                    + " key/value heads");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for rotary embeddings, got " + headDim);
        }
    }

    /**
     * Reads a Llama configuration.
     *
     * @throws EvomergeException (input) naming the field when the model is not a plain Llama decoder this trainer
     *     implements (other architectures, biases, rope scaling, another activation)
     */
    public static LlamaDimensions of(ModelConfig config) {
        Map<String, Object> raw = config.raw();
        String type = config.modelType();
        boolean llama = config.architectures().contains("LlamaForCausalLM") || type.equals("llama");
        if (!llama) {
            throw EvomergeException.input("training supports Llama decoders (LlamaForCausalLM); this model is '"
                    + config.architecture() + "'", null);
        }
        if (raw.get("rope_scaling") != null) {
            throw EvomergeException.input("config.json: rope_scaling is not supported by training", null);
        }
        if (Boolean.TRUE.equals(raw.get("attention_bias")) || Boolean.TRUE.equals(raw.get("mlp_bias"))) {
            throw EvomergeException.input("config.json: attention_bias/mlp_bias are not supported by training", null);
        }
        Object act = raw.get("hidden_act");
        if (act != null && !act.equals("silu")) {
            throw EvomergeException.input("config.json: hidden_act '" + act + "' is not supported (only silu)", null);
        }
        int heads = config.numHeads();
        int kvHeads = config.numKeyValueHeads() > 0 ? config.numKeyValueHeads() : heads;
        int headDim = config.headDim() > 0 ? config.headDim() : (heads > 0 ? config.hiddenSize() / heads : 0);
        double theta = config.ropeTheta() > 0 ? config.ropeTheta() : 10000.0;
        double eps = config.rmsNormEps() > 0 ? config.rmsNormEps() : 1e-6;
        try {
            return new LlamaDimensions(config.numLayers(), config.hiddenSize(), config.intermediateSize(), heads,
                    kvHeads, headDim, config.vocabSize(), config.tiedEmbeddings(), theta, eps);
        } catch (IllegalArgumentException e) {
            throw EvomergeException.input("config.json: " + e.getMessage(), e);
        }
    }

    /**
     * A Hugging Face {@code config.json} for these dimensions, as {@code LlamaForCausalLM} writes it (float32).
     *
     * @param maxPositions          {@code max_position_embeddings}
     * @param bosTokenId            the tokenizer's beginning-of-sequence id
     * @param eosTokenId            the tokenizer's end-of-sequence id
     */
    public ModelConfig toConfig(int maxPositions, int bosTokenId, int eosTokenId) {
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("architectures", List.of("LlamaForCausalLM"));
        raw.put("attention_bias", false);
        raw.put("attention_dropout", 0.0);
        raw.put("bos_token_id", bosTokenId);
        raw.put("eos_token_id", eosTokenId);
        raw.put("head_dim", headDim);
        raw.put("hidden_act", "silu");
        raw.put("hidden_size", hidden);
        raw.put("initializer_range", 0.02);
        raw.put("intermediate_size", intermediate);
        raw.put("max_position_embeddings", maxPositions);
        raw.put("mlp_bias", false);
        raw.put("model_type", "llama");
        raw.put("num_attention_heads", heads);
        raw.put("num_hidden_layers", layers);
        raw.put("num_key_value_heads", kvHeads);
        raw.put("pretraining_tp", 1);
        raw.put("rms_norm_eps", rmsNormEps);
        raw.put("rope_scaling", null);
        raw.put("rope_theta", ropeTheta);
        raw.put("tie_word_embeddings", tied);
        raw.put("torch_dtype", "float32");
        raw.put("transformers_version", "4.46.0");
        raw.put("use_cache", true);
        raw.put("vocab_size", vocabulary);
        return ModelConfig.of(raw);
    }

    /** Multiply-adds of one token's forward pass through the weights (attention scores not included). */
    public long weightMultiplyAdds() {
        long attention = (long) hidden * headDim * (2L * heads + 2L * kvHeads);
        long mlp = 3L * hidden * intermediate;
        return layers * (attention + mlp) + (long) hidden * vocabulary;
    }
}
