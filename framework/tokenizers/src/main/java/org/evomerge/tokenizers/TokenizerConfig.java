package org.evomerge.tokenizers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;

/**
 * What evomerge reads from a model's {@code tokenizer_config.json}: the special tokens' texts (plain strings or
 * {@code AddedToken} objects with a {@code content}) and the chat template.
 *
 * @param bosToken the beginning-of-sequence token's text, when declared
 * @param eosToken the end-of-sequence token's text, when declared
 * @param chatTemplate the Jinja chat template, when declared (see {@link ChatTemplate})
 * @param specialTokens every declared special token by the variable name a chat template sees it under
 *     ({@code bos_token}, {@code eos_token}, {@code unk_token}, {@code sep_token}, {@code pad_token},
 *     {@code cls_token}, {@code mask_token}; {@code additional_special_tokens} as a list), as transformers'
 *     {@code special_tokens_map}
 */
public record TokenizerConfig(Optional<String> bosToken, Optional<String> eosToken, Optional<String> chatTemplate,
                              Map<String, Object> specialTokens) {

    public static final TokenizerConfig NONE = new TokenizerConfig(Optional.empty(), Optional.empty(), Optional.empty(),
            Map.of());

    private static final List<String> SPECIAL_TOKEN_KEYS = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");

    public TokenizerConfig {
        specialTokens = Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
    }

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
        Map<String, Object> specialTokens = new LinkedHashMap<>();
        for (String key : SPECIAL_TOKEN_KEYS) {
            tokenText(root.get(key)).ifPresent(text -> specialTokens.put(key, text));
        }
        if (root.path("additional_special_tokens").isArray()) {
            List<String> additional = new ArrayList<>();
            root.path("additional_special_tokens").forEach(t -> tokenText(t).ifPresent(additional::add));
            specialTokens.put("additional_special_tokens", additional);
        }
        return new TokenizerConfig(tokenText(root.get("bos_token")), tokenText(root.get("eos_token")), chatTemplate,
                specialTokens);
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
