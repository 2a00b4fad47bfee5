package org.evomerge.plugins.safetensors;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.ModelConfig;

/**
 * What a Hugging Face model folder holds besides the weights: {@code config.json}, read into a {@link ModelConfig},
 * and the tokenizer and generation files that travel with a model into every output made from it. Pickle
 * checkpoints are recognised only to be refused: loading one can run arbitrary code.
 */
final class HuggingFaceFolder {

    /** Files carried into outputs unchanged. */
    static final List<String> SIDE_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "generation_config.json", "added_tokens.json", "vocab.json",
            "merges.txt", "vocab.txt", "chat_template.jinja", "chat_template.json");

    private static final List<String> PICKLE_SUFFIXES = List.of(".bin", ".pt", ".pth", ".ckpt", ".pkl");

    private static final ObjectMapper JSON = new ObjectMapper();

    private HuggingFaceFolder() {
    }

    /** The side files present in {@code folder}, as absolute paths. */
    static List<Path> sideFiles(Path folder) {
        List<Path> present = new ArrayList<>();
        for (String name : SIDE_FILES) {
            Path file = folder.resolve(name);
            if (Files.isRegularFile(file)) {
                present.add(file.toAbsolutePath());
            }
        }
        return present;
    }

    static boolean isPickle(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return PICKLE_SUFFIXES.stream().anyMatch(name::endsWith) && !name.endsWith(".safetensors");
    }

    /** The pickle weight files in {@code folder}. */
    static List<Path> pickles(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(Files::isRegularFile).filter(HuggingFaceFolder::isPickle).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The one-line refusal for a pickle checkpoint, with the conversion that makes it usable. */
    static EvomergeException pickleRefusal(Path location, Path pickle) {
        return EvomergeException.input(location + ": " + pickle.getFileName() + " is a pickle checkpoint, and evomerge"
                + " never loads pickles (they can run arbitrary code); convert the model to safetensors once, in a"
                + " Python environment you trust: python -c \"from transformers import AutoModel; AutoModel"
                + ".from_pretrained('" + location + "').save_pretrained('" + location + "-safetensors',"
                + " safe_serialization=True)\" (or 'huggingface-cli' / the convert tool of your framework)", null);
    }

    /** Reads {@code folder/config.json}; a model without one gets an empty configuration. */
    static ModelConfig config(Path folder, int layersFromNames, boolean hasLmHead) {
        Path file = folder.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            return new ModelConfig(List.of(), "", layersFromNames, 0, 0, 0, 0, 0, 0, !hasLmHead, 0, 0, Map.of());
        }
        Map<String, Object> raw;
        try (JsonParser parser = JSON.createParser(file.toFile())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw EvomergeException.input(file + ": not a JSON object", null);
            }
            raw = cast((Map<?, ?>) value(parser));
        } catch (JsonProcessingException e) {
            throw EvomergeException.input(file + ": not valid JSON: " + e.getOriginalMessage().lines().findFirst()
                    .orElse(""), e);
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read: " + e.getMessage(), e);
        }
        // Some configurations (multimodal models) nest the language model's settings under text_config.
        Map<String, Object> text = raw.get("text_config") instanceof Map<?, ?> nested ? cast(nested) : raw;
        List<String> architectures = raw.get("architectures") instanceof List<?> list
                ? list.stream().map(String::valueOf).toList() : List.of();
        String modelType = String.valueOf(raw.getOrDefault("model_type", ""));
        int layers = integer(file, text, 0, "num_hidden_layers", "n_layer", "num_layers");
        int hidden = integer(file, text, 0, "hidden_size", "n_embd", "d_model");
        int heads = integer(file, text, 0, "num_attention_heads", "n_head");
        int kvHeads = integer(file, text, heads, "num_key_value_heads");
        int intermediate = integer(file, text, 0, "intermediate_size", "n_inner", "ffn_dim");
        if (intermediate == 0 && text.containsKey("n_embd")) {
            intermediate = 4 * hidden; // GPT-2 leaves n_inner null for 4 × n_embd
        }
        int headDim = integer(file, text, heads > 0 ? hidden / heads : 0, "head_dim");
        int vocab = integer(file, text, 0, "vocab_size");
        boolean tied = text.get("tie_word_embeddings") instanceof Boolean b ? b
                : raw.get("tie_word_embeddings") instanceof Boolean rb ? rb : !hasLmHead;
        double ropeTheta = number(file, text, 0, "rope_theta");
        double eps = number(file, text, 0, "rms_norm_eps", "layer_norm_epsilon", "layer_norm_eps");
        return new ModelConfig(architectures, modelType, layers > 0 ? layers : layersFromNames, hidden, intermediate,
                heads, kvHeads, headDim, vocab, tied, ropeTheta, eps, raw);
    }

    /**
     * The JSON value at the parser's current token, as Jackson would map it (objects in file order, the last of
     * repeated keys winning), except that a number with a fraction or an exponent is a {@link JsonNumberText}: the
     * configuration is written back into outputs, and its numbers must keep their text.
     */
    private static Object value(JsonParser parser) throws IOException {
        return switch (parser.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> object = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    parser.nextToken();
                    object.put(key, value(parser));
                }
                yield object;
            }
            case START_ARRAY -> {
                List<Object> array = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    array.add(value(parser));
                }
                yield array;
            }
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT -> parser.getNumberValue();
            case VALUE_NUMBER_FLOAT -> new JsonNumberText(parser.getText(), parser.getDoubleValue());
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new JsonParseException(parser, "unexpected " + parser.currentToken());
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }

    private static int integer(Path file, Map<String, Object> config, int fallback, String... keys) {
        for (String key : keys) {
            Object value = config.get(key);
            if (value == null) {
                continue;
            }
            if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                    && n.doubleValue() >= 0 && n.doubleValue() <= Integer.MAX_VALUE) {
                return n.intValue();
            }
            throw EvomergeException.input(file + ": '" + key + "' must be a non-negative whole number, got " + value, null);
        }
        return fallback;
    }

    private static double number(Path file, Map<String, Object> config, double fallback, String... keys) {
        for (String key : keys) {
            Object value = config.get(key);
            if (value == null) {
                continue;
            }
            if (value instanceof Number n && Double.isFinite(n.doubleValue())) {
                return n.doubleValue();
            }
            throw EvomergeException.input(file + ": '" + key + "' must be a number, got " + value, null);
        }
        return fallback;
    }
}
