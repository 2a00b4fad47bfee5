package org.evomerge.inference;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;

/**
 * The hyperparameters of a Llama-family decoder (Llama 2/3, Mistral, Qwen2, Qwen3, Gemma 2, Gemma 3's text model,
 * Phi-3, and Mixtral, whose MLP is a mixture of experts: {@link ExpertRouting}), read from a model's
 * {@link ModelConfig}: the one reading of them, which the inference engine and training
 * share. Unstated values get Hugging Face's defaults for the architecture ({@code num_key_value_heads} = heads,
 * {@code head_dim} = hidden / heads (Gemma: 256), {@code rms_norm_eps} 1e-6, {@code rope_theta} 10000 (Gemma 3:
 * 1e6), ...); {@code rope_scaling} becomes the {@link RotaryEmbedding}'s frequencies, and a {@code rope_freqs.weight}
 * tensor (how llama.cpp's GGUF files store Llama 3.1's scaling) divides them. What the later architectures
 * add to Llama's block is stated by the components after {@code slidingWindow}; Llama's values are the neutral ones.
 *
 * @param modelName        how errors name the model (its path, or "in-memory model")
 * @param architecture     e.g. {@code LlamaForCausalLM}
 * @param layers           transformer blocks
 * @param hidden           model width
 * @param intermediate     MLP width (of each expert, in a mixture of experts)
 * @param heads            query heads
 * @param kvHeads          key/value heads, dividing {@code heads}
 * @param headDim          per-head width, even
 * @param vocab            vocabulary size (rows of the embedding)
 * @param tied             whether the output head is the embedding
 * @param rmsNormEps       RMSNorm epsilon
 * @param rope             rotary embedding frequencies (of the full-attention layers); its {@code 2 · pairs()} may be
 *                         less than {@code headDim} (Phi-3's {@code partial_rotary_factor}): the rest of each head is
 *                         not rotated
 * @param maxPositions     the longest sequence a session holds
 * @param slidingWindow    keys older than this many positions are masked on the layers {@code slidingLayers} marks;
 *                         0 for full attention everywhere
 * @param slidingLayers    per layer, whether it attends through the sliding window ({@code layer_types}
 *                         {@code sliding_attention})
 * @param localRope        the rotary embedding of the sliding-window layers (Gemma 3's {@code rope_local_base_freq});
 *                         {@code rope} for the other architectures
 * @param activation       the gated MLP's activation ({@code hidden_act} / {@code hidden_activation})
 * @param normWeightOffset added to every RMSNorm weight as stored: 1 for Gemma's {@code x · (1 + w)}, else 0
 * @param embeddingScale   the factor of the embedding rows (Gemma: {@code sqrt(hidden)} rounded to the checkpoint's
 *                         {@code torch_dtype}, as transformers multiplies them); 1 for the others
 * @param attentionScale   the factor of the attention scores: {@code 1 / sqrt(headDim)}, Gemma's
 *                         {@code query_pre_attn_scalar^-0.5}
 * @param attentionSoftCap Gemma 2's {@code attn_logit_softcapping}, 0 for none
 * @param finalSoftCap     Gemma 2's {@code final_logit_softcapping} of the output logits, 0 for none
 * @param queryKeyNorm     whether each query and key head is RMS-normalised before the rotary embedding (Qwen3's and
 *                         Gemma 3's {@code q_norm}/{@code k_norm})
 * @param sandwichNorms    whether the attention and MLP outputs are normalised too before their residual adds
 *                         (Gemma's {@code post_attention_layernorm}, {@code pre_feedforward_layernorm} and
 *                         {@code post_feedforward_layernorm})
 * @param fusedProjections whether q, k, v and gate, up are stored fused ({@code qkv_proj}, {@code gate_up_proj}:
 *                         Phi-3)
 */
public record LlamaConfig(String modelName, String architecture, int layers, int hidden, int intermediate, int heads,
                          int kvHeads, int headDim, int vocab, boolean tied, double rmsNormEps, RotaryEmbedding rope,
                          int maxPositions, int slidingWindow, List<Boolean> slidingLayers, RotaryEmbedding localRope,
                          Activation activation, float normWeightOffset, float embeddingScale, float attentionScale,
                          float attentionSoftCap, float finalSoftCap, boolean queryKeyNorm, boolean sandwichNorms,
                          boolean fusedProjections) {

    /** The gated MLP's activation, applied to the gate projection before it multiplies the up projection. */
    public enum Activation {
        /** {@code x · σ(x)}: {@code silu}. */
        SILU,
        /** PyTorch's tanh approximation of GeLU: {@code gelu_pytorch_tanh}. */
        GELU_TANH
    }

    /** The Hugging Face classes of the decoders this describes. */
    public static final Set<String> ARCHITECTURES = Set.of("LlamaForCausalLM", "MistralForCausalLM",
            "Qwen2ForCausalLM", "Qwen3ForCausalLM", "Gemma2ForCausalLM", "Gemma3ForCausalLM", "Phi3ForCausalLM",
            "MixtralForCausalLM");
    private static final Map<String, String> MODEL_TYPES = Map.of(
            "llama", "LlamaForCausalLM", "mistral", "MistralForCausalLM", "qwen2", "Qwen2ForCausalLM",
            "qwen3", "Qwen3ForCausalLM", "gemma2", "Gemma2ForCausalLM", "gemma3_text", "Gemma3ForCausalLM",
            "phi3", "Phi3ForCausalLM", "mixtral", "MixtralForCausalLM");
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
        boolean gemma = architecture.startsWith("Gemma");
        boolean gemma3 = architecture.equals("Gemma3ForCausalLM");
        int layers = positive(modelName, "num_hidden_layers", config.numLayers());
        int hidden = positive(modelName, "hidden_size", config.hiddenSize());
        int intermediate = positive(modelName, "intermediate_size", config.intermediateSize());
        int heads = positive(modelName, "num_attention_heads", config.numHeads());
        int kvHeads = config.numKeyValueHeads() > 0 ? config.numKeyValueHeads() : heads;
        if (heads % kvHeads != 0) {
            throw error(modelName, "num_key_value_heads " + kvHeads + " does not divide num_attention_heads " + heads);
        }
        int headDim = raw.get("head_dim") instanceof Number n ? n.intValue() : gemma ? 256 : config.headDim();
        if (headDim < 2 || headDim % 2 != 0) {
            throw error(modelName, "head_dim " + headDim + " must be even and positive");
        }
        int vocab = positive(modelName, "vocab_size", config.vocabSize());
        double eps = config.rmsNormEps() > 0 ? config.rmsNormEps() : 1e-6;
        double theta = config.ropeTheta() > 0 ? config.ropeTheta() : gemma3 ? 1_000_000 : 10000;
        int rotaryDim = rotaryDim(modelName, raw, headDim);
        RotaryEmbedding rope = RotaryEmbedding.of(modelName, rotaryDim, theta, raw.get("rope_scaling"));
        if (ropeFactors != null) {
            rope = rope.dividedBy(modelName, ropeFactors);
        }
        RotaryEmbedding localRope = gemma3
                ? RotaryEmbedding.of(modelName, rotaryDim, optionalNumber(modelName, raw, "rope_local_base_freq")
                        .orElse(10000.0), null)
                : rope;
        int maxPositions = config.maxPositionEmbeddings() > 0 ? config.maxPositionEmbeddings() : DEFAULT_MAX_POSITIONS;
        int window = slidingWindow(architecture, raw, maxPositions);
        List<Boolean> slidingLayers = slidingLayers(modelName, architecture, raw, layers, window);
        Activation activation = activation(modelName, raw, gemma);
        float embeddingScale = gemma ? embeddingScale(hidden, raw) : 1f;
        double queryScalar = gemma ? optionalNumber(modelName, raw, "query_pre_attn_scalar").orElse(256.0) : headDim;
        float attentionScale = (float) (1.0 / Math.sqrt(queryScalar));
        double attentionSoftCap = architecture.equals("Gemma2ForCausalLM")
                ? softCap(modelName, raw, "attn_logit_softcapping", 50.0) : gemma3
                ? softCap(modelName, raw, "attn_logit_softcapping", 0) : 0;
        double finalSoftCap = architecture.equals("Gemma2ForCausalLM")
                ? softCap(modelName, raw, "final_logit_softcapping", 30.0) : gemma3
                ? softCap(modelName, raw, "final_logit_softcapping", 0) : 0;
        // Gemma's tie_word_embeddings defaults to true, and transformers leaves defaults out of config.json.
        boolean tied = gemma && !(raw.get("tie_word_embeddings") instanceof Boolean) || config.tiedEmbeddings();
        return new LlamaConfig(modelName, architecture, layers, hidden, intermediate, heads, kvHeads, headDim, vocab,
                tied, eps, rope, maxPositions, window, slidingLayers, localRope, activation, gemma ? 1f : 0f,
                embeddingScale, attentionScale, (float) attentionSoftCap, (float) finalSoftCap,
                architecture.equals("Qwen3ForCausalLM") || gemma3, gemma,
                architecture.equals("Phi3ForCausalLM"));
    }

    /** Phi-3's {@code partial_rotary_factor}: the leading part of each head that is rotated. */
    private static int rotaryDim(String model, Map<String, Object> raw, int headDim) {
        Optional<Double> factor = optionalNumber(model, raw, "partial_rotary_factor");
        if (factor.isEmpty()) {
            return headDim;
        }
        int dim = (int) (headDim * factor.get());
        if (factor.get() > 1 || dim < 2 || dim % 2 != 0) {
            throw error(model, "config field 'partial_rotary_factor' " + factor.get() + " gives " + dim
                    + " rotated dimensions of " + headDim + "; it must give an even number at most head_dim");
        }
        return dim;
    }

    /** The window size, 0 for none: Qwen2 and Qwen3 use theirs only with {@code use_sliding_window: true}. */
    private static int slidingWindow(String architecture, Map<String, Object> raw, int maxPositions) {
        boolean qwen = architecture.startsWith("Qwen");
        boolean gemma = architecture.startsWith("Gemma");
        boolean used = !qwen || Boolean.TRUE.equals(raw.get("use_sliding_window"));
        Object stated = raw.containsKey("sliding_window") || !gemma ? raw.get("sliding_window") : 4096;
        if (used && stated instanceof Number n && n.longValue() > 0 && (gemma || n.longValue() < maxPositions)) {
            return (int) Math.min(n.longValue(), Integer.MAX_VALUE);
        }
        return 0;
    }

    /**
     * Which layers use the window: {@code layer_types} when stated (transformers 4.53+), else what each configuration
     * class derives it from: Gemma 2 every other layer from the first, Gemma 3 all but every
     * {@code sliding_window_pattern}-th (6), Qwen the layers from {@code max_window_layers} on, the others all.
     */
    private static List<Boolean> slidingLayers(String model, String architecture, Map<String, Object> raw,
                                               int layers, int window) {
        Boolean[] sliding = new Boolean[layers];
        Object types = raw.get("layer_types");
        if (types instanceof List<?> list) {
            if (list.size() != layers) {
                throw error(model, "config field 'layer_types' has " + list.size() + " entries for " + layers
                        + " layers");
            }
            for (int i = 0; i < layers; i++) {
                Object type = list.get(i);
                if (!"sliding_attention".equals(type) && !"full_attention".equals(type)) {
                    throw error(model, "config field 'layer_types' entry " + i + " '" + type + "' is not supported"
                            + " (supported: full_attention, sliding_attention)");
                }
                sliding[i] = window > 0 && type.equals("sliding_attention");
            }
            return List.of(sliding);
        } else if (types != null) {
            throw error(model, "config field 'layer_types' must be a list");
        }
        int pattern = switch (architecture) {
            case "Gemma3ForCausalLM" -> optionalNumber(model, raw, "sliding_window_pattern").orElse(6.0).intValue();
            default -> 0;
        };
        int firstWindowed = architecture.startsWith("Qwen") && raw.get("max_window_layers") instanceof Number n
                ? n.intValue() : 0;
        for (int i = 0; i < layers; i++) {
            sliding[i] = window > 0 && switch (architecture) {
                case "Gemma2ForCausalLM" -> i % 2 == 0;
                case "Gemma3ForCausalLM" -> (i + 1) % pattern != 0;
                default -> i >= firstWindowed;
            };
        }
        return List.of(sliding);
    }

    /**
     * Gemma 2 and 3 read {@code hidden_activation} (default {@code gelu_pytorch_tanh}), the others
     * {@code hidden_act}.
     */
    private static Activation activation(String model, Map<String, Object> raw, boolean gemma) {
        String field = gemma ? "hidden_activation" : "hidden_act";
        Object stated = raw.get(field);
        if (stated == null) {
            return gemma ? Activation.GELU_TANH : Activation.SILU;
        }
        return switch (stated.toString()) {
            case "silu", "swish" -> Activation.SILU;
            case "gelu_pytorch_tanh" -> Activation.GELU_TANH;
            default -> throw error(model, "config field '" + field + "' '" + stated + "' is not supported"
                    + " (supported: silu, gelu_pytorch_tanh)");
        };
    }

    /**
     * {@code sqrt(hidden)} as transformers multiplies the embedding by it: a tensor of the model's dtype, so rounded
     * to bfloat16 or float16 when the checkpoint states that {@code torch_dtype} ({@code dtype} in transformers 5).
     */
    private static float embeddingScale(int hidden, Map<String, Object> raw) {
        float scale = (float) Math.sqrt(hidden);
        Object dtype = raw.get("torch_dtype") != null ? raw.get("torch_dtype") : raw.get("dtype");
        if ("bfloat16".equals(dtype)) {
            int bits = Float.floatToRawIntBits(scale);
            return Float.intBitsToFloat(((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) << 16);
        }
        if ("float16".equals(dtype)) {
            return Float.float16ToFloat(Float.floatToFloat16(scale));
        }
        return scale;
    }

    /** A soft cap: the stated positive number, {@code fallback} when absent, 0 when stated as null. */
    private static double softCap(String model, Map<String, Object> raw, String field, double fallback) {
        if (!raw.containsKey(field)) {
            return fallback;
        }
        return optionalNumber(model, raw, field).orElse(0.0);
    }

    private static Optional<Double> optionalNumber(String model, Map<String, Object> raw, String field) {
        Object value = raw.get(field);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof Number n && n.doubleValue() > 0 && Double.isFinite(n.doubleValue())) {
            return Optional.of(n.doubleValue());
        }
        throw error(model, "config field '" + field + "' must be a positive number, not " + value);
    }

    /** The rotary embedding of layer {@code layer}: {@link #localRope} on sliding-window layers. */
    public RotaryEmbedding rope(int layer) {
        return slidingLayers.get(layer) ? localRope : rope;
    }

    /** The window of layer {@code layer}'s attention: {@link #slidingWindow} on sliding layers, else 0 (full). */
    public int slidingWindow(int layer) {
        return slidingLayers.get(layer) ? slidingWindow : 0;
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
