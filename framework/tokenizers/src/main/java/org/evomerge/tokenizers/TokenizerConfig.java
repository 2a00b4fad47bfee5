package org.evomerge.tokenizers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.evomerge.api.EvomergeException;

/**
 * What evomerge reads from a model's {@code tokenizer_config.json}: the BOS and EOS token texts (plain strings or
 * {@code AddedToken} objects with a {@code content}) and the chat template.
 *
 * @param bosToken the beginning-of-sequence token's text, when declared
 * @param eosToken the end-of-sequence token's text, when declared
 * @param chatTemplate the Jinja chat template, when declared (only its text; see {@link ChatTemplate})
 */
public record TokenizerConfig(Optional<String> bosToken, Optional<String> eosToken, Optional<String> chatTemplate) {

    public static final TokenizerConfig NONE = new TokenizerConfig(Optional.empty(), Optional.empty(), Optional.empty());

    /**
     * Reads {@code file}; a missing file gives {@link #NONE}.
     *
     * @throws EvomergeException (input) when the file exists but is not a JSON object, naming the file
     */
    public static TokenizerConfig read(Path file) {
        if (!Files.isRegularFile(file)) {
            return NONE;
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw EvomergeException.input(file + ": not valid JSON (" + firstLine(e.getMessage()) + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw EvomergeException.input(file + ": expected a JSON object", null);
        }
        JsonNode template = root.get("chat_template");
        Optional<String> chatTemplate = Optional.empty();
        if (template != null && template.isTextual()) {
            chatTemplate = Optional.of(template.asText());
        } else if (template != null && template.isArray()) {
            // Newer configs list named templates; the one called "default" is what apply_chat_template uses.
            for (JsonNode named : template) {
                if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
                    chatTemplate = Optional.of(named.path("template").asText());
                }
            }
        }
        return new TokenizerConfig(tokenText(root.get("bos_token")), tokenText(root.get("eos_token")), chatTemplate);
    }

    private static Optional<String> tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isTextual()) {
            return Optional.of(node.asText());
        }
        JsonNode content = node.get("content");
        return content != null && content.isTextual() ? Optional.of(content.asText()) : Optional.empty();
    }

    static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
