package org.evomerge.plugins.gguf;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;

/**
 * A Hugging Face {@code config.json} of the Llama family read as transformers' configuration classes read it (values
 * it does not state take their defaults), and the {@code general.architecture} and hyperparameter metadata llama.cpp's
 * converter writes for it. Llama and Mistral models become GGUF "llama" (q and k rows permuted); Qwen2 models "qwen2".
 */
final class GgufHyperparameters {

    /**
     * The configuration classes evomerge writes GGUF for.
     *
     * @param hfClass          {@code architectures[0]}
     * @param modelType        {@code model_type}
     * @param architecture     {@code general.architecture}
     * @param contextDefault   transformers' {@code max_position_embeddings} default
     * @param headDimDefaulted whether transformers fills {@code head_dim} (hidden size / heads) when absent, so that
     *                         the converter always writes the key and value lengths
     * @param llamaKeys        whether the converter adds {@code vocab_size} and {@code rope.dimension_count}
     *                         ({@code LlamaModel.set_gguf_parameters})
     */
    private record Family(String hfClass, String modelType, String architecture, int contextDefault,
                          boolean headDimDefaulted, boolean llamaKeys) {
    }

    private static final List<Family> FAMILIES = List.of(
            new Family("LlamaForCausalLM", "llama", "llama", 2048, true, true),
            new Family("MistralForCausalLM", "mistral", "llama", 4096 * 32, true, true),
            new Family("Qwen2ForCausalLM", "qwen2", "qwen2", 32768, false, false),
            new Family("Qwen3ForCausalLM", "qwen3", "qwen3", 32768, false, false),
            new Family("Phi3ForCausalLM", "phi3", "phi3", 4096, false, false),
            new Family("Gemma2ForCausalLM", "gemma2", "gemma2", 8192, false, false),
            new Family("Gemma3ForCausalLM", "gemma3_text", "gemma3", 131072, false, false));

    private final Map<String, Object> config;
    private final Family family;

    private GgufHyperparameters(Map<String, Object> config, Family family) {
        this.config = config;
        this.family = family;
    }

    /**
     * The hyperparameters of {@code config}.
     *
     * @throws EvomergeException (CONFIGURATION) if the model is not of an architecture evomerge writes as GGUF
     */
    static GgufHyperparameters of(Map<String, Object> config) {
        String hfClass = config.get("architectures") instanceof List<?> list && !list.isEmpty()
                ? String.valueOf(list.getFirst()) : "";
        String modelType = config.get("model_type") instanceof String s ? s : "";
        for (Family family : FAMILIES) {
            if (hfClass.isEmpty() ? family.modelType().equals(modelType) : family.hfClass().equals(hfClass)) {
                return new GgufHyperparameters(config, family);
            }
        }
        throw EvomergeException.configuration("GGUF output is written for Llama, Mistral, Qwen2, Qwen3, Phi-3,"
                + " Gemma 2 and Gemma 3 text models (" + String.join(", ", FAMILIES.stream().map(Family::hfClass)
                .toList()) + "); this model is "
                + (hfClass.isEmpty() ? modelType.isEmpty() ? "of no stated architecture" : modelType : hfClass));
    }

    /** {@code general.architecture}. */
    String architecture() {
        return family.architecture();
    }

    /** Whether the converter permutes the q and k rows ({@code LlamaModel.permute}). */
    boolean permutesQueryKeyRows() {
        return family.architecture().equals("llama");
    }

    int layers() {
        return required("num_hidden_layers");
    }

    int heads() {
        return required("num_attention_heads");
    }

    int keyValueHeads() {
        return integer("num_key_value_heads").orElse(heads());
    }

    private int hiddenSize() {
        return required("hidden_size");
    }

    private Optional<Integer> headDim() {
        Optional<Integer> stated = integer("head_dim");
        return stated.isPresent() || !family.headDimDefaulted() ? stated : Optional.of(hiddenSize() / heads());
    }

    /** The RoPE settings: {@code rope_parameters} (transformers 5), else {@code rope_scaling}, with its theta. */
    private Map<?, ?> ropeParameters() {
        Object parameters = config.get("rope_parameters");
        if (!(parameters instanceof Map<?, ?>)) {
            parameters = config.get("rope_scaling");
        }
        return parameters instanceof Map<?, ?> map ? map : Map.of();
    }

    private String ropeType() {
        Map<?, ?> rope = ropeParameters();
        Object type = rope.get("rope_type") != null ? rope.get("rope_type") : rope.get("type");
        return type instanceof String s ? s : "";
    }

    private double ropeTheta() {
        Object theta = ropeParameters().get("rope_theta");
        if (theta instanceof Number n) {
            return n.doubleValue();
        }
        return config.get("rope_theta") instanceof Number n ? n.doubleValue() : 10000.0;
    }

    /**
     * {@code TextModel.set_gguf_parameters}, then {@code LlamaModel}'s additions, in the converter's order, ending with
     * {@code general.file_type}.
     */
    void addTo(GgufMetadata out, int fileType) {
        switch (family.architecture()) {
            case "phi3" -> addPhi3(out, fileType);
            case "gemma2" -> addGemma2(out, fileType);
            case "gemma3" -> addGemma3(out, fileType);
            default -> addText(out, fileType);
        }
    }

    /**
     * Whether the converter adds 1 to the model's RMSNorm weights ({@code *norm.weight}): Gemma normalises by
     * {@code 1 + w}, which llama.cpp stores as the plain factor.
     */
    boolean shiftsNormWeights() {
        return family.architecture().startsWith("gemma");
    }

    /** {@code Phi3MiniModel.set_gguf_parameters}: the rotated width and the window are stated, head widths not. */
    private void addPhi3(GgufMetadata out, int fileType) {
        String a = "phi3.";
        out.putUint32(a + "context_length", integer("max_position_embeddings").orElse(family.contextDefault()));
        out.putUint32(a + "rope.scaling.original_context_length", integer("original_max_position_embeddings")
                .orElse(integer("max_position_embeddings").orElse(family.contextDefault())));
        out.putUint32(a + "embedding_length", hiddenSize());
        out.putUint32(a + "feed_forward_length", required("intermediate_size"));
        out.putUint32(a + "block_count", layers());
        out.putUint32(a + "attention.head_count", heads());
        out.putUint32(a + "attention.head_count_kv", keyValueHeads());
        out.putFloat32(a + "attention.layer_norm_rms_epsilon",
                config.get("rms_norm_eps") instanceof Number n ? n.doubleValue() : 1e-5);
        double rotated = config.get("partial_rotary_factor") instanceof Number f ? f.doubleValue() : 1.0;
        out.putUint32(a + "rope.dimension_count", (long) (rotated * hiddenSize()) / heads());
        out.putFloat32(a + "rope.freq_base", ropeTheta());
        out.putUint32("general.file_type", fileType);
        out.putUint32(a + "attention.sliding_window", integer("sliding_window").orElse(0));
    }

    /** {@code Gemma2Model.set_gguf_parameters}, with transformers' defaults for what config.json leaves out. */
    private void addGemma2(GgufMetadata out, int fileType) {
        String a = "gemma2.";
        out.putUint32(a + "context_length", integer("max_position_embeddings").orElse(family.contextDefault()));
        out.putUint32(a + "embedding_length", hiddenSize());
        out.putUint32(a + "block_count", layers());
        out.putUint32(a + "feed_forward_length", required("intermediate_size"));
        out.putUint32(a + "attention.head_count", heads());
        out.putUint32(a + "attention.head_count_kv", keyValueHeads());
        out.putFloat32(a + "attention.layer_norm_rms_epsilon",
                config.get("rms_norm_eps") instanceof Number n ? n.doubleValue() : 1e-6);
        out.putUint32(a + "attention.key_length", integer("head_dim").orElse(256));
        out.putUint32(a + "attention.value_length", integer("head_dim").orElse(256));
        out.putUint32("general.file_type", fileType);
        out.putFloat32(a + "attn_logit_softcapping", softCap("attn_logit_softcapping", 50.0));
        out.putFloat32(a + "final_logit_softcapping", softCap("final_logit_softcapping", 30.0));
        out.putUint32(a + "attention.sliding_window", integer("sliding_window").orElse(4096));
    }

    /** {@code Gemma3Model.set_gguf_parameters}: the rope base and linear scaling are those of the global layers. */
    private void addGemma3(GgufMetadata out, int fileType) {
        String a = "gemma3.";
        if (config.get("attn_logit_softcapping") instanceof Number) {
            throw new EvomergeException(ErrorCategory.INPUT, "config.json: attn_logit_softcapping is set, which a"
                    + " GGUF gemma3 model cannot state");
        }
        out.putUint32(a + "context_length", integer("max_position_embeddings").orElse(family.contextDefault()));
        out.putUint32(a + "embedding_length", hiddenSize());
        out.putUint32(a + "block_count", layers());
        out.putUint32(a + "feed_forward_length", required("intermediate_size"));
        out.putUint32(a + "attention.head_count", heads());
        out.putFloat32(a + "attention.layer_norm_rms_epsilon",
                config.get("rms_norm_eps") instanceof Number n ? n.doubleValue() : 1e-6);
        out.putUint32(a + "attention.key_length", integer("head_dim").orElse(256));
        out.putUint32(a + "attention.value_length", integer("head_dim").orElse(256));
        out.putUint32("general.file_type", fileType);
        out.putFloat32(a + "rope.freq_base", config.get("rope_theta") instanceof Number n ? n.doubleValue() : 1e6);
        out.putUint32(a + "attention.sliding_window", integer("sliding_window").orElse(4096));
        out.putUint32(a + "attention.head_count_kv", keyValueHeads());
        Optional<Double> factor = number(ropeParameters(), "factor");
        if (ropeType().equals("linear") && factor.isPresent()) {
            out.putString(a + "rope.scaling.type", "linear");
            out.putFloat32(a + "rope.scaling.factor", factor.get());
        }
    }

    private double softCap(String key, double fallback) {
        return config.containsKey(key) ? config.get(key) instanceof Number n ? n.doubleValue() : 0 : fallback;
    }

    /** {@code TextModel.set_gguf_parameters}, then {@code LlamaModel}'s additions. */
    private void addText(GgufMetadata out, int fileType) {
        String a = family.architecture() + ".";
        out.putUint32(a + "block_count", layers());
        out.putUint32(a + "context_length", integer("max_position_embeddings").orElse(family.contextDefault()));
        out.putUint32(a + "embedding_length", hiddenSize());
        out.putUint32(a + "feed_forward_length", required("intermediate_size"));
        out.putUint32(a + "attention.head_count", heads());
        out.putUint32(a + "attention.head_count_kv", keyValueHeads());
        Map<?, ?> rope = ropeParameters();
        Optional<Double> factor = number(rope, "factor");
        if (ropeType().equals("linear") && factor.isPresent()) {
            out.putString(a + "rope.scaling.type", "linear");
            out.putFloat32(a + "rope.scaling.factor", factor.get());
        } else if (ropeType().equals("yarn") && factor.isPresent()) {
            out.putString(a + "rope.scaling.type", "yarn");
            out.putFloat32(a + "rope.scaling.factor", factor.get());
            out.putUint32(a + "rope.scaling.original_context_length",
                    number(rope, "original_max_position_embeddings").orElseThrow(() -> new EvomergeException(
                            ErrorCategory.INPUT, "config.json: yarn rope scaling without"
                            + " original_max_position_embeddings")).longValue());
            number(rope, "extrapolation_factor").ifPresent(v -> out.putFloat32(a + "rope.scaling.yarn_ext_factor", v));
            Optional<Double> attention = number(rope, "attention_factor").or(() -> number(rope, "attn_factor"));
            attention.ifPresent(v -> out.putFloat32(a + "rope.scaling.yarn_attn_factor", v));
            number(rope, "beta_fast").ifPresent(v -> out.putFloat32(a + "rope.scaling.yarn_beta_fast", v));
            number(rope, "beta_slow").ifPresent(v -> out.putFloat32(a + "rope.scaling.yarn_beta_slow", v));
        } else if (ropeType().equals("longrope") || ropeType().equals("su")) {
            out.putString(a + "rope.scaling.type", "longrope");
        }
        out.putFloat32(a + "rope.freq_base", ropeTheta());
        out.putFloat32(a + "attention.layer_norm_rms_epsilon",
                config.get("rms_norm_eps") instanceof Number n ? n.doubleValue() : 1e-6);
        headDim().ifPresent(dim -> {
            out.putUint32(a + "attention.key_length", dim);
            out.putUint32(a + "attention.value_length", dim);
        });
        out.putUint32("general.file_type", fileType);
        if (family.llamaKeys()) {
            out.putUint32(a + "vocab_size", required("vocab_size"));
            out.putUint32(a + "rope.dimension_count", headDim().orElse(hiddenSize() / heads()));
        }
    }

    /**
     * The {@code rope_freqs.weight} the converter generates for Llama 3.1-style ("llama3") RoPE scaling: per pair of
     * head dimensions, 1 for high frequencies, {@code factor} for low ones, and a smooth blend between, computed in
     * float32 as the converter's torch code computes it. Empty for other RoPE settings.
     */
    Optional<float[]> llama3RopeFactors() {
        if (!family.architecture().equals("llama") || !ropeType().equalsIgnoreCase("llama3")) {
            return Optional.empty();
        }
        Map<?, ?> rope = ropeParameters();
        float base = (float) ropeTheta();
        int dim = headDim().orElse(hiddenSize() / heads());
        double factor = number(rope, "factor").orElse(8.0);
        double low = number(rope, "low_freq_factor").orElse(1.0);
        double high = number(rope, "high_freq_factor").orElse(4.0);
        double context = integer("original_max_position_embeddings").map(Integer::doubleValue).orElse(8192.0);
        // torch compares and computes a float32 tensor with Python numbers in float32.
        float lowWavelength = (float) (context / low);
        float highWavelength = (float) (context / high);
        float[] factors = new float[(dim + 1) / 2];
        for (int i = 0; i < factors.length; i++) {
            float exponent = (float) (2 * i) / dim;
            float frequency = 1.0f / (float) Math.pow(base, exponent);
            float wavelength = (float) (2 * Math.PI) / frequency;
            if (wavelength < highWavelength) {
                factors[i] = 1;
            } else if (wavelength > lowWavelength) {
                factors[i] = (float) factor;
            } else {
                float smooth = ((float) context / wavelength - (float) low) / (float) (high - low);
                factors[i] = 1 / ((1 - smooth) / (float) factor + smooth);
            }
        }
        return Optional.of(factors);
    }

    private int required(String key) {
        return integer(key).orElseThrow(() -> new EvomergeException(ErrorCategory.INPUT,
                "config.json states no " + key + ", which a GGUF file needs"));
    }

    private Optional<Integer> integer(String key) {
        Object value = config.get(key);
        if (value instanceof Integer || value instanceof Long) {
            long v = ((Number) value).longValue();
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new EvomergeException(ErrorCategory.INPUT, "config.json: " + key + " " + v + " is out of range");
            }
            return Optional.of((int) v);
        }
        return Optional.empty();
    }

    private static Optional<Double> number(Map<?, ?> map, String key) {
        return map.get(key) instanceof Number n ? Optional.of(n.doubleValue()) : Optional.empty();
    }
}
