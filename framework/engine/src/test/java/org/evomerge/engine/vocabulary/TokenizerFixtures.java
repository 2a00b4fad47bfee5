package org.evomerge.engine.vocabulary;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Writes small Hugging Face {@code tokenizer.json} / {@code tokenizer_config.json} files for tests. */
public final class TokenizerFixtures {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFixtures() {
    }

    /**
     * A BPE tokenizer in {@code folder}.
     *
     * @param vocab   model vocabulary, token to id
     * @param added   added tokens (content to id); those starting with {@code <} are special
     * @param merges  BPE merges ("x y")
     */
    public static Path write(Path folder, Map<String, Integer> vocab, Map<String, Integer> added, List<String> merges) {
        try {
            Files.createDirectories(folder);
            ObjectNode root = JSON.createObjectNode();
            root.put("version", "1.0");
            ArrayNode addedTokens = root.putArray("added_tokens");
            ObjectNode decoder = JSON.createObjectNode();
            added.forEach((content, id) -> {
                ObjectNode entry = addedTokens.addObject();
                entry.put("id", id);
                entry.put("content", content);
                entry.put("single_word", false);
                entry.put("lstrip", false);
                entry.put("rstrip", false);
                entry.put("normalized", false);
                entry.put("special", content.startsWith("<"));
                ObjectNode info = decoder.putObject(Integer.toString(id));
                info.put("content", content);
                info.put("special", content.startsWith("<"));
            });
            ObjectNode model = root.putObject("model");
            model.put("type", "BPE");
            ObjectNode v = model.putObject("vocab");
            vocab.forEach(v::put);
            ArrayNode m = model.putArray("merges");
            merges.forEach(m::add);
            JSON.writeValue(folder.resolve("tokenizer.json").toFile(), root);
            ObjectNode config = JSON.createObjectNode();
            config.put("tokenizer_class", "PreTrainedTokenizerFast");
            config.set("added_tokens_decoder", decoder);
            JSON.writeValue(folder.resolve("tokenizer_config.json").toFile(), config);
            Files.writeString(folder.resolve("special_tokens_map.json"), "{\"bos_token\": \"<s>\"}");
            Files.writeString(folder.resolve("tokenizer.model"), "sentencepiece bytes");
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
