package org.evomerge.engine.vocabulary;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.evomerge.api.EvomergeException;

/**
 * The vocabulary of a Hugging Face fast tokenizer ({@code tokenizer.json}): every token's id, model vocabulary and
 * added tokens together (what {@code get_vocab()} returns), and which tokens are added tokens. Only the vocabulary is
 * read; nothing here encodes text.
 *
 * @param file        the {@code tokenizer.json} read
 * @param root        its parsed content, for writing a derived tokenizer
 * @param ids         token text to id, in ascending id order
 * @param addedTokens added-token text to its {@code added_tokens} entry, in file order
 */
public record TokenizerVocabulary(Path file, ObjectNode root, Map<String, Integer> ids,
                                  Map<String, ObjectNode> addedTokens) {

    static final ObjectMapper JSON = new ObjectMapper();

    public TokenizerVocabulary {
        ids = Collections.unmodifiableMap(new LinkedHashMap<>(ids));
        addedTokens = Collections.unmodifiableMap(new LinkedHashMap<>(addedTokens));
    }

    /** Reads {@code folder/tokenizer.json}; an input error naming the file when it is missing or malformed. */
    public static TokenizerVocabulary read(Path folder) {
        Path file = folder.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw EvomergeException.input(folder + ": no tokenizer.json (vocabulary alignment reads Hugging Face fast"
                    + " tokenizers)", null);
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw EvomergeException.input(file + ": not valid JSON: " + e.getOriginalMessage(), null);
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read: " + e.getMessage(), e);
        }
        if (!(parsed instanceof ObjectNode root) || !(root.get("model") instanceof ObjectNode model)) {
            throw EvomergeException.input(file + ": has no 'model' object", null);
        }
        TreeMap<Integer, String> byId = new TreeMap<>();
        JsonNode vocab = model.get("vocab");
        if (vocab != null && vocab.isObject()) {
            // BPE, WordPiece, WordLevel: {token: id}
            for (Map.Entry<String, JsonNode> e : vocab.properties()) {
                if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                    throw EvomergeException.input(file + ": vocab entry '" + e.getKey() + "' has no valid id", null);
                }
                byId.putIfAbsent(e.getValue().asInt(), e.getKey());
            }
        } else if (vocab != null && vocab.isArray()) {
            // Unigram: [[token, score], ...], the id is the position
            for (int i = 0; i < vocab.size(); i++) {
                JsonNode entry = vocab.get(i);
                if (!entry.isArray() || entry.isEmpty() || !entry.get(0).isTextual()) {
                    throw EvomergeException.input(file + ": vocab entry " + i + " is not [token, score]", null);
                }
                byId.put(i, entry.get(0).asText());
            }
        } else {
            throw EvomergeException.input(file + ": model has no vocab", null);
        }
        Map<String, ObjectNode> added = new LinkedHashMap<>();
        JsonNode addedList = root.get("added_tokens");
        if (addedList != null && addedList.isArray()) {
            for (JsonNode entry : addedList) {
                if (!(entry instanceof ObjectNode object) || !entry.path("content").isTextual()
                        || !entry.path("id").canConvertToInt()) {
                    throw EvomergeException.input(file + ": an added_tokens entry lacks 'id' or 'content'", null);
                }
                byId.put(object.get("id").asInt(), object.get("content").asText());
                added.putIfAbsent(object.get("content").asText(), object);
            }
        }
        Map<String, Integer> ids = new LinkedHashMap<>();
        byId.forEach((id, token) -> ids.putIfAbsent(token, id));
        return new TokenizerVocabulary(file, root, ids, added);
    }

    /** The model type ({@code BPE}, {@code Unigram}, ...), or empty text. */
    public String modelType() {
        return root.path("model").path("type").asText("");
    }

    /**
     * This vocabulary without the tokens whose id is {@code vocabSize} or more (mergekit strips a base tokenizer so
     * that it holds only tokens the embedding has rows for). Returns itself when nothing is beyond.
     */
    public TokenizerVocabulary strippedTo(int vocabSize) {
        if (ids.values().stream().allMatch(id -> id < vocabSize)) {
            return this;
        }
        Map<String, Integer> kept = new LinkedHashMap<>();
        ids.forEach((token, id) -> {
            if (id < vocabSize) {
                kept.put(token, id);
            }
        });
        Map<String, ObjectNode> keptAdded = new LinkedHashMap<>();
        addedTokens.forEach((token, entry) -> {
            if (entry.get("id").asInt() < vocabSize) {
                keptAdded.put(token, entry);
            }
        });
        return new TokenizerVocabulary(file, root, kept, keptAdded);
    }
}
