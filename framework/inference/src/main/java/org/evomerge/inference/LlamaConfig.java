package org.evomerge.inference;

import java.util.Map;
import java.util.Set;

import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;

/**
 * The hyperparameters of a Llama-family decoder, read from a model's {@link ModelConfig}: the typed fields first
 * (every format fills them), then {@code config.json} keys from {@link ModelConfig#raw()} for what the record does not
 * hold (rope scaling, sliding window, context length).
 *
 * @param modelName        how errors name the model (its path, or "in-memory model")
 * @param architecture     e.g. {@code LlamaForCausalLM}
 * @param layers           transformer blocks
 * @param hidden           model width
 * @param intermediate     MLP width
 * @param heads            query heads
 * @param kvHeads          key/value heads, dividing {@code heads}
 * @param headDim          per-head width, even
 * @param vocab            vocabulary size (rows of the embedding)
 * @param rmsNormEps       RMSNorm epsilon
 * @param rope             rotary embedding frequencies
 * @param maxPositions     the longest sequence a session holds
 * @param slidingWindow    keys older than this many positions are masked; 0 for full attention
 */
record LlamaConfig(String modelName, String architecture, int layers, int hidden, int intermediate, int heads,
                   int kvHeads, int headDim, int vocab, double rmsNormEps, RotaryEmbedding rope, int maxPositions,
                   int slidingWindow) {

    static final Set<String> ARCHITECTURES = Set.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM");
    private static final Map<String, String> MODEL_TYPES = Map.of(
            "llama", "LlamaForCausalLM", "mistral", "MistralForCausalLM", "qwen2", "Qwen2ForCausalLM");
    /** Used when neither config.json nor GGUF metadata states a context length. */
    private static final int DEFAULT_MAX_POSITIONS = 4096;

    static LlamaConfig of(Model model) {
        String name = model.location().map(Object::toString).orElse("in-memory model");
        ModelConfig config = model.config();
        Map<String, Object> raw = config.raw();
        String architecture = config.architectures().isEmpty()
                ? MODEL_TYPES.getOrDefault(config.modelType(), config.modelType())
                : config.architectures().getFirst();
        if (!ARCHITECTURES.contains(architecture)) {
            throw error(name, "architecture '" + architecture + "' is not supported by the inference engine (supported: "
                    + String.join(", ", ARCHITECTURES.stream().sorted().toList()) + ")");
        }
        int layers = positive(name, "num_hidden_layers", config.numLayers());
        int hidden = positive(name, "hidden_size", config.hiddenSize());
        int intermediate = positive(name, "intermediate_size", config.intermediateSize());
        int heads = positive(name, "num_attention_heads", config.numHeads());
        int kvHeads = config.numKeyValueHeads() > 0 ? config.numKeyValueHeads() : heads;
        if (heads % kvHeads != 0) {
            throw error(name, "num_key_value_heads " + kvHeads + " does not divide num_attention_heads " + heads);
        }
        int headDim = config.headDim() > 0 ? config.headDim() : hidden / heads;
        if (headDim < 2 || headDim % 2 != 0) {
            throw error(name, "head_dim " + headDim + " must be even and positive");
        }
        int vocab = positive(name, "vocab_size", config.vocabSize());
        double eps = config.rmsNormEps() > 0 ? config.rmsNormEps() : number(raw, "rms_norm_eps", 1e-6);
        double theta = config.ropeTheta() > 0 ? config.ropeTheta() : number(raw, "rope_theta", 10000);
        RotaryEmbedding rope = RotaryEmbedding.of(name, headDim, theta, raw.get("rope_scaling"));
        int maxPositions = config.maxPositionEmbeddings() > 0 ? config.maxPositionEmbeddings() : DEFAULT_MAX_POSITIONS;
        int window = 0;
        boolean windowUsed = !architecture.equals("Qwen2ForCausalLM")
                || Boolean.TRUE.equals(raw.get("use_sliding_window"));
        if (windowUsed && raw.get("sliding_window") instanceof Number n && n.longValue() > 0
                && n.longValue() < maxPositions) {
            window = n.intValue();
        }
        return new LlamaConfig(name, architecture, layers, hidden, intermediate, heads, kvHeads, headDim, vocab, eps,
                rope, maxPositions, window);
    }

    int qDim() {
        return heads * headDim;
    }

    int kvDim() {
        return kvHeads * headDim;
    }

    private static int positive(String model, String field, int value) {
        if (value <= 0) {
            throw error(model, "config field '" + field + "' is missing or not positive");
        }
        return value;
    }

    private static double number(Map<String, Object> raw, String key, double fallback) {
        return raw.get(key) instanceof Number n ? n.doubleValue() : fallback;
    }

    static EvomergeException error(String model, String message) {
        return EvomergeException.input(model + ": " + message, null);
    }
}
