package org.evomerge.api.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.evomerge.api.Stable;

/**
 * A model's configuration under Hugging Face's {@code config.json} keys: the configuration as the model states it
 * ({@code raw}), and what its format knows beyond it ({@code inferred}). The architecture facts evomerge needs are
 * typed accessors read from these keys on demand, with the aliases other families use (GPT-2's {@code n_layer},
 * {@code n_embd}, ...) and the language model's settings nested under {@code text_config} in multimodal
 * configurations; a key the configuration does not state is looked up in {@code inferred}, then a fact it does not
 * state at all is 0 (or 0.0, {@code false}, empty). A new fact is a new accessor: callers that build a configuration
 * give keys, never a row of positional numbers.
 *
 * <p>Formats keep {@code raw} as read, so writers can carry it into outputs unchanged; a format whose files state no
 * {@code config.json} (GGUF metadata) maps what they state onto these keys.
 *
 * @param raw      the configuration as parsed JSON values, in file order, written into outputs as it is; empty when
 *                 the model states none (values may be null, e.g. {@code "rope_scaling": null}; numbers are
 *                 {@link Number}s of any class, which a format may use to keep their text)
 * @param inferred facts the format derived from elsewhere, under the same keys, never written into outputs: a
 *                 Hugging Face folder's layer count from its tensor names when {@code config.json} does not state
 *                 one, and whether its embeddings are tied from whether it has an {@code lm_head}
 */
@Stable(since = "0.1.0")
public record ModelConfig(Map<String, Object> raw, Map<String, Object> inferred) {

    private static final List<String> LAYERS = List.of("num_hidden_layers", "n_layer", "num_layers");
    private static final List<String> HIDDEN = List.of("hidden_size", "n_embd", "d_model");
    private static final List<String> HEADS = List.of("num_attention_heads", "n_head");
    private static final List<String> KV_HEADS = List.of("num_key_value_heads");
    private static final List<String> INTERMEDIATE = List.of("intermediate_size", "n_inner", "ffn_dim");
    private static final List<String> HEAD_DIM = List.of("head_dim");
    private static final List<String> VOCAB = List.of("vocab_size");
    private static final List<String> ROPE_THETA = List.of("rope_theta");
    private static final List<String> RMS_NORM_EPS = List.of("rms_norm_eps", "layer_norm_epsilon", "layer_norm_eps");
    private static final List<String> MAX_POSITIONS = List.of("max_position_embeddings", "n_positions");
    private static final String TIED = "tie_word_embeddings";

    public ModelConfig {
        raw = ordered(raw);
        inferred = ordered(inferred);
    }

    /** A configuration as a model states it, with nothing inferred. */
    public static ModelConfig of(Map<String, Object> raw) {
        return new ModelConfig(raw, Map.of());
    }

    /** The configuration of a model that states none. */
    public static ModelConfig empty() {
        return new ModelConfig(Map.of(), Map.of());
    }

    /** This configuration with {@code raw} stated instead (what the format inferred is kept). */
    public ModelConfig withRaw(Map<String, Object> raw) {
        return new ModelConfig(raw, inferred);
    }

    /** This configuration with {@code key} stated as {@code value}: in its place if stated already, else last. */
    public ModelConfig with(String key, Object value) {
        Map<String, Object> changed = new LinkedHashMap<>(raw);
        changed.put(key, value);
        return new ModelConfig(changed, inferred);
    }

    /** Declared architectures, e.g. {@code ["LlamaForCausalLM"]}. */
    public List<String> architectures() {
        Object value = raw.containsKey("architectures") ? raw.get("architectures") : inferred.get("architectures");
        return value instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of();
    }

    /** E.g. {@code llama}; empty when not stated. */
    public String modelType() {
        Object value = raw.get("model_type") != null ? raw.get("model_type") : inferred.get("model_type");
        return value == null ? "" : String.valueOf(value);
    }

    /** The first declared architecture, or the model type when none is declared. */
    public String architecture() {
        List<String> architectures = architectures();
        return architectures.isEmpty() ? modelType() : architectures.getFirst();
    }

    /** Transformer blocks: the stated count when positive, else the one the format inferred. */
    public int numLayers() {
        Integer stated = count(raw, LAYERS);
        if (stated != null && stated > 0) {
            return stated;
        }
        Integer inferredCount = count(inferred, LAYERS);
        return inferredCount != null ? inferredCount : 0;
    }

    /** Model width. */
    public int hiddenSize() {
        return count(HIDDEN, 0);
    }

    /** MLP width; GPT-2 leaves {@code n_inner} null for 4 × {@code n_embd}. */
    public int intermediateSize() {
        int stated = count(INTERMEDIATE, 0);
        return stated == 0 && text(raw).containsKey("n_embd") ? 4 * hiddenSize() : stated;
    }

    /** Attention (query) heads. */
    public int numHeads() {
        return count(HEADS, 0);
    }

    /** Key/value heads (grouped-query attention); {@link #numHeads()} when not stated. */
    public int numKeyValueHeads() {
        return count(KV_HEADS, numHeads());
    }

    /** Per-head width; {@code hiddenSize / numHeads} when not stated. */
    public int headDim() {
        int heads = numHeads();
        return count(HEAD_DIM, heads > 0 ? hiddenSize() / heads : 0);
    }

    /** Rows of the embedding. */
    public int vocabSize() {
        return count(VOCAB, 0);
    }

    /** Whether the output head reuses the embedding. */
    public boolean tiedEmbeddings() {
        if (text(raw).get(TIED) instanceof Boolean tied) {
            return tied;
        }
        if (raw.get(TIED) instanceof Boolean tied) {
            return tied;
        }
        return inferred.get(TIED) instanceof Boolean tied && tied;
    }

    /** RoPE base frequency. */
    public double ropeTheta() {
        return real(ROPE_THETA);
    }

    /** Normalisation epsilon. */
    public double rmsNormEps() {
        return real(RMS_NORM_EPS);
    }

    /** The longest sequence the model was trained for. */
    public int maxPositionEmbeddings() {
        return count(MAX_POSITIONS, 0);
    }

    /**
     * Reads every typed fact once, so that a format refuses a malformed configuration when it opens a model, not when
     * something first asks for the fact.
     *
     * @throws IllegalArgumentException naming the first key whose value is not of its fact's type
     */
    public void validate() {
        numLayers();
        hiddenSize();
        numHeads();
        numKeyValueHeads();
        intermediateSize();
        headDim();
        vocabSize();
        ropeTheta();
        rmsNormEps();
    }

    private int count(List<String> keys, int fallback) {
        return statedElseInferred(keys, ModelConfig::count, fallback);
    }

    private double real(List<String> keys) {
        return statedElseInferred(keys, ModelConfig::real, 0.0);
    }

    /** The value {@code raw} states for the first of {@code keys}, else the one the format inferred, else fallback. */
    private <T> T statedElseInferred(List<String> keys, BiFunction<Map<String, Object>, List<String>, T> read,
                                     T fallback) {
        T stated = read.apply(raw, keys);
        if (stated != null) {
            return stated;
        }
        T inferredValue = read.apply(inferred, keys);
        return inferredValue != null ? inferredValue : fallback;
    }

    /** The first stated of {@code keys} in {@code config} (its {@code text_config} when it has one), or null. */
    private static Integer count(Map<String, Object> config, List<String> keys) {
        return first(config, keys, (key, value) -> {
            if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                    && n.doubleValue() >= 0 && n.doubleValue() <= Integer.MAX_VALUE) {
                return n.intValue();
            }
            throw new IllegalArgumentException("'" + key + "' must be a non-negative whole number, got " + value);
        });
    }

    private static Double real(Map<String, Object> config, List<String> keys) {
        return first(config, keys, (key, value) -> {
            if (value instanceof Number n && Double.isFinite(n.doubleValue())) {
                return n.doubleValue();
            }
            throw new IllegalArgumentException("'" + key + "' must be a number, got " + value);
        });
    }

    /** {@code read} of the first of {@code keys} that {@code config} (or its {@code text_config}) states, or null. */
    private static <T> T first(Map<String, Object> config, List<String> keys, BiFunction<String, Object, T> read) {
        Map<String, Object> text = text(config);
        for (String key : keys) {
            Object value = text.get(key);
            if (value != null) {
                return read.apply(key, value);
            }
        }
        return null;
    }

    /** Where a configuration keeps its language model's settings: {@code text_config} in multimodal ones. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> text(Map<String, Object> config) {
        return config.get("text_config") instanceof Map<?, ?> nested ? (Map<String, Object>) nested : config;
    }

    /** Not {@code Map.copyOf}: real configurations hold JSON nulls, and their order matters. */
    private static Map<String, Object> ordered(Map<String, Object> map) {
        return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
