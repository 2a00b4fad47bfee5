package org.evomerge.plugins.gguf;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.model.ModelConfig;

/**
 * The {@link ModelConfig} of a GGUF file, from its metadata ({@code {arch}.block_count}, ...). A number the metadata
 * does not state is 0: GGUF files are read for merging, and a guessed default (a rope base of 10000, say) would
 * silently make two models look compatible.
 */
final class GgufModelConfig {

    private static final String ARCHITECTURE_KEY = "general.architecture";
    private static final String TOKENS_KEY = "tokenizer.ggml.tokens";

    /** Hugging Face class names of the architectures whose names and layout evomerge maps. */
    private static final Map<String, String> HF_CLASSES = Map.of(
            "llama", "LlamaForCausalLM",
            "mistral", "MistralForCausalLM",
            "qwen2", "Qwen2ForCausalLM");

    private final Path path;
    private final Map<String, Object> metadata;
    private final String architecture;

    private GgufModelConfig(Path path, Map<String, Object> metadata) {
        this.path = path;
        this.metadata = metadata;
        Object arch = metadata.get(ARCHITECTURE_KEY);
        if (arch != null && !(arch instanceof String)) {
            throw GgufFormat.inputError(path, ARCHITECTURE_KEY + " must be a string");
        }
        this.architecture = arch == null ? "" : (String) arch;
    }

    /**
     * The configuration of the model in {@code header}.
     *
     * @throws org.evomerge.api.EvomergeException (INPUT) if a hyperparameter has the wrong type or is out of range
     */
    static ModelConfig of(Path path, GgufHeader header) {
        return new GgufModelConfig(path, header.metadata()).build(header);
    }

    private ModelConfig build(GgufHeader header) {
        String prefix = architecture + ".";
        int hidden = count(prefix + "embedding_length");
        int heads = count(prefix + "attention.head_count");
        int kvHeads = metadata.containsKey(prefix + "attention.head_count_kv")
                ? count(prefix + "attention.head_count_kv") : heads;
        int headDim = metadata.containsKey(prefix + "attention.key_length")
                ? count(prefix + "attention.key_length") : heads > 0 ? hidden / heads : 0;
        boolean hasOutput = header.tensors().stream().anyMatch(t -> t.name().equals("output.weight"));
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("architectures", architecture.isEmpty() ? List.of()
                : List.of(HF_CLASSES.getOrDefault(architecture, architecture)));
        facts.put("model_type", architecture);
        facts.put("num_hidden_layers", count(prefix + "block_count"));
        facts.put("hidden_size", hidden);
        facts.put("intermediate_size", count(prefix + "feed_forward_length"));
        facts.put("num_attention_heads", heads);
        facts.put("num_key_value_heads", kvHeads);
        facts.put("head_dim", headDim);
        facts.put("vocab_size", vocabSize(header));
        facts.put("tie_word_embeddings", !hasOutput);
        facts.put("rope_theta", real(prefix + "rope.freq_base"));
        facts.put("rms_norm_eps", real(prefix + "attention.layer_norm_rms_epsilon"));
        return new ModelConfig(raw(), facts);
    }

    private int vocabSize(GgufHeader header) {
        if (metadata.get(TOKENS_KEY) instanceof GgufArray tokens) {
            return toInt(TOKENS_KEY + " length", tokens.length());
        }
        Optional<GgufTensorEntry> embedding = header.tensors().stream()
                .filter(t -> t.name().equals("token_embd.weight") && t.ne().length == 2).findFirst();
        return embedding.map(t -> toInt("rows of token_embd.weight", t.ne()[1])).orElse(0);
    }

    /**
     * A count from the metadata: 0 when absent, and also when it is an array (per-layer values, which no single
     * number states).
     */
    private int count(String key) {
        Object value = metadata.get(key);
        return switch (value) {
            case null -> 0;
            case GgufArray ignored -> 0;
            case Integer i -> toInt(key, i);
            case Long l -> toInt(key, l);
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

    /** A real number from the metadata, 0 when absent; float32 values keep their shortest decimal (1e-5, not 9.99e-6). */
    private double real(String key) {
        Object value = metadata.get(key);
        return switch (value) {
            case null -> 0;
            case Float f -> Double.parseDouble(Float.toString(f));
            case Double d -> d;
            case Integer i -> i;
            case Long l -> l;
            default -> throw GgufFormat.inputError(path, "metadata " + GgufFormat.quote(key) + " must be a number, not "
                    + typeName(value));
        };
    }

    /** Scalars as they are, short arrays as lists, long arrays (the vocabulary) as their length under key.length. */
    private Map<String, Object> raw() {
        Map<String, Object> raw = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : metadata.entrySet()) {
            if (entry.getValue() instanceof GgufArray array) {
                if (array.itemsKept()) {
                    raw.put(entry.getKey(), array.items());
                } else {
                    raw.put(entry.getKey() + ".length", array.length());
                }
            } else {
                raw.put(entry.getKey(), entry.getValue());
            }
        }
        return raw;
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
