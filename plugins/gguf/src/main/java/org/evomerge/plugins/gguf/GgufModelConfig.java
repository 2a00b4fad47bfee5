package org.evomerge.plugins.gguf;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.evomerge.api.model.ModelConfig;

/**
 * The {@link ModelConfig} of a GGUF file: its metadata ({@code {arch}.block_count}, ...) mapped back onto the Hugging
 * Face {@code config.json} keys llama.cpp's converter read them from, so that a GGUF model states the configuration
 * the converted model had, and an output merged from one carries a {@code config.json} that Hugging Face tools read.
 * Only what the metadata states is mapped: a guessed default (a rope base of 10000, say) would silently make two
 * models look compatible. The rest of the metadata (the tokenizer, {@code general.*}) has no {@code config.json} key
 * and stays in the file.
 */
final class GgufModelConfig {

    private static final String ARCHITECTURE_KEY = "general.architecture";
    private static final String TOKENS_KEY = "tokenizer.ggml.tokens";

    /** Hugging Face class names of the architectures whose names and layout evomerge maps. */
    private static final Map<String, String> HF_CLASSES = Map.of(
            "llama", "LlamaForCausalLM",
            "mistral", "MistralForCausalLM",
            "qwen2", "Qwen2ForCausalLM",
            "qwen3", "Qwen3ForCausalLM",
            "phi3", "Phi3ForCausalLM",
            "gemma2", "Gemma2ForCausalLM",
            "gemma3", "Gemma3ForCausalLM");
    /** {@code model_type} where it is not {@code general.architecture}: Gemma 3's text model is gemma3_text. */
    private static final Map<String, String> MODEL_TYPES = Map.of("gemma3", "gemma3_text");

    /**
     * {@code config.json} key to the metadata key (after {@code {arch}.}) of a count the converter writes, in the
     * order they are checked.
     */
    private static final Map<String, String> COUNTS = ordered(
            "hidden_size", "embedding_length",
            "num_attention_heads", "attention.head_count",
            "num_key_value_heads", "attention.head_count_kv",
            "head_dim", "attention.key_length",
            "num_hidden_layers", "block_count",
            "intermediate_size", "feed_forward_length",
            "max_position_embeddings", "context_length",
            "sliding_window", "attention.sliding_window");

    /** {@code config.json} key to the metadata key (after {@code {arch}.}) of a real number. */
    private static final Map<String, String> REALS = ordered(
            "rope_theta", "rope.freq_base",
            "rms_norm_eps", "attention.layer_norm_rms_epsilon",
            "attn_logit_softcapping", "attn_logit_softcapping",
            "final_logit_softcapping", "final_logit_softcapping");

    private final Path path;
    private final Map<String, Object> metadata;
    private final String architecture;

    private GgufModelConfig(Path path, Map<String, Object> metadata) {
        this.path = path;
        this.metadata = metadata;
        this.architecture = architecture(path, metadata);
    }

    /**
     * The configuration of the model in {@code header}.
     *
     * @throws org.evomerge.api.EvomergeException (INPUT) if a hyperparameter has the wrong type or is out of range
     */
    static ModelConfig of(Path path, GgufHeader header) {
        return new GgufModelConfig(path, header.metadata()).build(header);
    }

    /**
     * The file's {@code general.architecture} ({@code llama}, {@code qwen2}, ...), which names its tensors and
     * metadata keys; empty when the file does not state it.
     */
    static String architecture(Path path, Map<String, Object> metadata) {
        Object arch = metadata.get(ARCHITECTURE_KEY);
        if (arch != null && !(arch instanceof String)) {
            throw GgufFormat.inputError(path, ARCHITECTURE_KEY + " must be a string");
        }
        return arch == null ? "" : (String) arch;
    }

    /** In key order, as transformers writes {@code config.json}. */
    private ModelConfig build(GgufHeader header) {
        String prefix = architecture + ".";
        Map<String, Object> config = new TreeMap<>();
        if (!architecture.isEmpty()) {
            config.put("architectures", List.of(HF_CLASSES.getOrDefault(architecture, architecture)));
            config.put("model_type", MODEL_TYPES.getOrDefault(architecture, architecture));
        }
        COUNTS.forEach((hfKey, key) -> count(prefix + key).ifPresent(value -> config.put(hfKey, value)));
        REALS.forEach((hfKey, key) -> real(prefix + key).ifPresent(value -> config.put(hfKey, value)));
        count("tokenizer.ggml.bos_token_id").ifPresent(id -> config.put("bos_token_id", id));
        count("tokenizer.ggml.eos_token_id").ifPresent(id -> config.put("eos_token_id", id));
        ropeScaling(prefix).ifPresent(scaling -> config.put("rope_scaling", scaling));
        partialRotaryFactor(prefix, config).ifPresent(factor -> config.put("partial_rotary_factor", factor));
        queryPreAttentionScalar(config).ifPresent(scalar -> config.put("query_pre_attn_scalar", scalar));
        vocabSize(prefix, header).ifPresent(vocab -> config.put("vocab_size", vocab));
        config.put("tie_word_embeddings", header.tensors().stream().noneMatch(t -> t.name().equals("output.weight")));
        return ModelConfig.of(new LinkedHashMap<>(config));
    }

    /**
     * {@code rope_scaling} from {@code {arch}.rope.scaling.*} (linear and YaRN scaling; the converter writes Llama 3's
     * as a {@code rope_freqs.weight} tensor instead), under {@code rope_type} as transformers names it.
     */
    private Optional<Map<String, Object>> ropeScaling(String prefix) {
        Object type = metadata.get(prefix + "rope.scaling.type");
        if (type == null || type.equals("none")) {
            return Optional.empty();
        }
        if (!(type instanceof String name)) {
            throw GgufFormat.inputError(path, "metadata " + GgufFormat.quote(prefix + "rope.scaling.type")
                    + " must be a string, not " + typeName(type));
        }
        Map<String, Object> scaling = new TreeMap<>();
        real(prefix + "rope.scaling.factor").ifPresent(factor -> scaling.put("factor", factor));
        count(prefix + "rope.scaling.original_context_length")
                .ifPresent(length -> scaling.put("original_max_position_embeddings", length));
        scaling.put("rope_type", name);
        return Optional.of(new LinkedHashMap<>(scaling));
    }

    /**
     * Phi-3's {@code partial_rotary_factor}: the converter writes the rotated width as {@code rope.dimension_count}
     * (for the other architectures it is the head width or absent).
     */
    private Optional<Double> partialRotaryFactor(String prefix, Map<String, Object> config) {
        Optional<Integer> rotated = count(prefix + "rope.dimension_count");
        if (!architecture.equals("phi3") || rotated.isEmpty() || !(config.get("hidden_size") instanceof Integer hidden)
                || !(config.get("num_attention_heads") instanceof Integer heads) || heads == 0) {
            return Optional.empty();
        }
        int headDim = config.get("head_dim") instanceof Integer d ? d : hidden / heads;
        return rotated.get() == headDim ? Optional.empty() : Optional.of((double) rotated.get() / headDim);
    }

    /**
     * Gemma's {@code query_pre_attn_scalar}, which the converter does not write: llama.cpp scales the attention by
     * the head width, except for the 27B models (46 layers of Gemma 2, 62 of Gemma 3), which use hidden size / heads.
     */
    private Optional<Integer> queryPreAttentionScalar(Map<String, Object> config) {
        if (!architecture.equals("gemma2") && !architecture.equals("gemma3")
                || !(config.get("hidden_size") instanceof Integer hidden)
                || !(config.get("num_attention_heads") instanceof Integer heads) || heads == 0) {
            return Optional.empty();
        }
        int layers = config.get("num_hidden_layers") instanceof Integer n ? n : 0;
        boolean large = architecture.equals("gemma2") ? layers == 46 : layers == 62;
        if (large) {
            return Optional.of(hidden / heads);
        }
        return Optional.ofNullable(config.get("head_dim") instanceof Integer d ? d : null);
    }

    /**
     * {@code vocab_size} as Hugging Face states it: the rows of the embedding, which a tokenizer may not fill (Qwen2
     * pads its embedding past its last token); else the metadata's vocabulary size, else the number of tokens.
     */
    private Optional<Integer> vocabSize(String prefix, GgufHeader header) {
        Optional<Integer> rows = header.tensors().stream()
                .filter(t -> t.name().equals("token_embd.weight") && t.ne().length == 2).findFirst()
                .map(t -> toInt("rows of token_embd.weight", t.ne()[1]));
        if (rows.isPresent()) {
            return rows;
        }
        Optional<Integer> stated = count(prefix + "vocab_size");
        if (stated.isPresent()) {
            return stated;
        }
        return metadata.get(TOKENS_KEY) instanceof GgufArray tokens
                ? Optional.of(toInt(TOKENS_KEY + " length", tokens.length())) : Optional.empty();
    }

    /**
     * A count from the metadata: empty when absent, and also when it is an array (per-layer values, which no single
     * number states).
     */
    private Optional<Integer> count(String key) {
        Object value = metadata.get(key);
        return switch (value) {
            case null -> Optional.empty();
            case GgufArray ignored -> Optional.empty();
            case Integer i -> Optional.of(toInt(key, i));
            case Long l -> Optional.of(toInt(key, l));
            default -> throw GgufFormat.inputError(path, "metadata " + GgufFormat.quote(key) + " must be an integer, not "
                    + typeName(value));
        };
    }

    private int toInt(String what, long value) {
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw GgufFormat.inputError(path, GgufFormat.quote(what) + " is " + value + ", not a count evomerge can use");
        }
        return (int) value;
    }

    /**
     * A real number from the metadata, empty when absent; float32 values keep their shortest decimal (1e-5, not
     * 9.99e-6).
     */
    private Optional<Double> real(String key) {
        Object value = metadata.get(key);
        return switch (value) {
            case null -> Optional.empty();
            case Float f -> Optional.of(Double.parseDouble(Float.toString(f)));
            case Double d -> Optional.of(d);
            case Integer i -> Optional.of((double) i);
            case Long l -> Optional.of((double) l);
            default -> throw GgufFormat.inputError(path, "metadata " + GgufFormat.quote(key) + " must be a number, not "
                    + typeName(value));
        };
    }

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }

    private static String typeName(Object value) {
        return switch (value) {
            case String s -> "a string";
            case Boolean b -> "a boolean";
            case BigInteger b -> "the integer " + b + " (too large)";
            default -> "a " + value.getClass().getSimpleName();
        };
    }
}
