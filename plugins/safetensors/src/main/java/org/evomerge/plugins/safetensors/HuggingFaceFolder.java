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

    /**
     * Reads {@code folder/config.json}. What the folder shows beyond it is inferred: the layer count from the tensor
     * names, and tied embeddings from the absence of an {@code lm_head} (which {@code config.json} may leave unstated).
     *
     * @throws EvomergeException (INPUT) naming the file and the key when a fact has a value of the wrong type
     */
    static ModelConfig config(Path folder, int layersFromNames, boolean hasLmHead) {
        Map<String, Object> inferred = new LinkedHashMap<>();
        inferred.put("num_hidden_layers", layersFromNames);
        inferred.put("tie_word_embeddings", !hasLmHead);
        Path file = folder.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            return new ModelConfig(Map.of(), inferred);
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
        ModelConfig config = new ModelConfig(raw, inferred);
        try {
            config.validate();
        } catch (IllegalArgumentException e) {
            throw EvomergeException.input(file + ": " + e.getMessage(), null);
        }
        return config;
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
}
