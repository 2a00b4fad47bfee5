package org.evomerge.inference;

import java.util.Map;
import java.util.Set;

import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;

/**
 * The hyperparameters of a Llama-family decoder (Llama 2/3, Mistral, Qwen2), read from a model's {@link ModelConfig}:
 * the one reading of them, which the inference engine and training share. Unstated values get Hugging Face's
 * defaults ({@code num_key_value_heads} = heads, {@code head_dim} = hidden / heads, {@code rms_norm_eps} 1e-6,
 * {@code rope_theta} 10000); {@code rope_scaling} becomes the {@link RotaryEmbedding}'s frequencies, and a
 * {@code rope_freqs.weight} tensor (how llama.cpp's GGUF files store Llama 3.1's scaling) divides them.
 *
 * @param modelName     how errors name the model (its path, or "in-memory model")
 * @param architecture  e.g. {@code LlamaForCausalLM}
 * @param layers        transformer blocks
 * @param hidden        model width
 * @param intermediate  MLP width
 * @param heads         query heads
 * @param kvHeads       key/value heads, dividing {@code heads}
 * @param headDim       per-head width, even
 * @param vocab         vocabulary size (rows of the embedding)
 * @param tied          whether the output head is the embedding
 * @param rmsNormEps    RMSNorm epsilon
 * @param rope          rotary embedding frequencies
 * @param maxPositions  the longest sequence a session holds
 * @param slidingWindow keys older than this many positions are masked; 0 for full attention
 */
public record LlamaConfig(String modelName, String architecture, int layers, int hidden, int intermediate, int heads,
                          int kvHeads, int headDim, int vocab, boolean tied, double rmsNormEps, RotaryEmbedding rope,
                          int maxPositions, int slidingWindow) {

    /** The Hugging Face classes of the decoders this describes. */
    public static final Set<String> ARCHITECTURES = Set.of("LlamaForCausalLM", "MistralForCausalLM",
            "Qwen2ForCausalLM");
    private static final Map<String, String> MODEL_TYPES = Map.of(
            "llama", "LlamaForCausalLM", "mistral", "MistralForCausalLM", "qwen2", "Qwen2ForCausalLM");
    /** Used when neither config.json nor GGUF metadata states a context length. */
    private static final int DEFAULT_MAX_POSITIONS = 4096;

    /**
     * The hyperparameters of {@code model}, named by its location in errors.
     *
     * @throws EvomergeException (input) naming the model and the config field when the architecture or a
     *     hyperparameter is not supported
     */
    public static LlamaConfig of(Model model) {
        String modelName = model.location().map(Object::toString).orElse("in-memory model");
        return of(modelName, model.config(), RotaryEmbedding.frequencyFactors(modelName, model.tensors()));
    }

    /**
     * The hyperparameters {@code config} states, or the error naming {@code modelName} and the field.
     *
     * @throws EvomergeException (input) naming the model and the config field when the architecture or a
     *     hyperparameter is not supported
     */
    public static LlamaConfig of(String modelName, ModelConfig config) {
        return of(modelName, config, null);
    }

    /** {@link #of(String, ModelConfig)} with the frequencies divided by {@code ropeFactors} when not null. */
    private static LlamaConfig of(String modelName, ModelConfig config, float[] ropeFactors) {
        Map<String, Object> raw = config.raw();
        String architecture = config.architectures().isEmpty()
                ? MODEL_TYPES.getOrDefault(config.modelType(), config.modelType())
                : config.architectures().getFirst();
        if (!ARCHITECTURES.contains(architecture)) {
            throw error(modelName, "architecture '" + architecture + "' is not supported by the inference engine"
                    + " (supported: " + String.join(", ", ARCHITECTURES.stream().sorted().toList()) + ")");
        }
        int layers = positive(modelName, "num_hidden_layers", config.numLayers());
        int hidden = positive(modelName, "hidden_size", config.hiddenSize());
        int intermediate = positive(modelName, "intermediate_size", config.intermediateSize());
        int heads = positive(modelName, "num_attention_heads", config.numHeads());
        int kvHeads = config.numKeyValueHeads() > 0 ? config.numKeyValueHeads() : heads;
        if (heads % kvHeads != 0) {
            throw error(modelName, "num_key_value_heads " + kvHeads + " does not divide num_attention_heads " + heads);
        }
        int headDim = config.headDim() > 0 ? config.headDim() : hidden / heads;
        if (headDim < 2 || headDim % 2 != 0) {
            throw error(modelName, "head_dim " + headDim + " must be even and positive");
        }
        int vocab = positive(modelName, "vocab_size", config.vocabSize());
        double eps = config.rmsNormEps() > 0 ? config.rmsNormEps() : 1e-6;
        double theta = config.ropeTheta() > 0 ? config.ropeTheta() : 10000;
        RotaryEmbedding rope = RotaryEmbedding.of(modelName, headDim, theta, raw.get("rope_scaling"));
        if (ropeFactors != null) {
            rope = rope.dividedBy(modelName, ropeFactors);
        }
        int maxPositions = config.maxPositionEmbeddings() > 0 ? config.maxPositionEmbeddings() : DEFAULT_MAX_POSITIONS;
        int window = 0;
        boolean windowUsed = !architecture.equals("Qwen2ForCausalLM")
                || Boolean.TRUE.equals(raw.get("use_sliding_window"));
        if (windowUsed && raw.get("sliding_window") instanceof Number n && n.longValue() > 0
                && n.longValue() < maxPositions) {
            window = n.intValue();
        }
        return new LlamaConfig(modelName, architecture, layers, hidden, intermediate, heads, kvHeads, headDim, vocab,
                config.tiedEmbeddings(), eps, rope, maxPositions, window);
    }

    /** Width of the query projection's output: {@code heads × headDim}. */
    public int qDim() {
        return heads * headDim;
    }

    /** Width of the key and value projections' outputs: {@code kvHeads × headDim}. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Multiply-adds of one token's forward pass through the weights (attention scores not included). */
    public long weightMultiplyAdds() {
        long attention = (long) hidden * headDim * (2L * heads + 2L * kvHeads);
        long mlp = 3L * hidden * intermediate;
        return layers * (attention + mlp) + (long) hidden * vocab;
    }

    private static int positive(String model, String field, int value) {
        if (value <= 0) {
            throw error(model, "config field '" + field + "' is missing or not positive");
        }
        return value;
    }

    static EvomergeException error(String model, String message) {
        return EvomergeException.input(model + ": " + message, null);
    }
}
