package org.evomerge.tokenizers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.evomerge.api.inference.ChatMessage;

/**
 * A tokenizer's Jinja {@code chat_template} (from {@code tokenizer_config.json}), rendered as transformers'
 * {@code apply_chat_template(..., tokenize=False)} renders it: in {@link JinjaEnvironment#forChatTemplates()} with
 * {@code messages}, {@code add_generation_prompt}, {@code tools} and {@code documents} (None) and the tokenizer's
 * special tokens ({@code bos_token}, {@code eos_token}, ...) as variables; with {@code continue_final_message} the
 * text ends right after the last message's content.
 *
 * <p>The rendered text holds the special tokens the template writes (BOS among them): encode it without adding
 * special tokens.
 */
public final class ChatTemplate {

    private static final JinjaEnvironment JINJA = JinjaEnvironment.forChatTemplates();

    private final String source;
    private final Map<String, Object> specialTokens;

    /**
     * @param source the template's text
     * @param specialTokens the tokenizer's special tokens by their variable name ({@code bos_token}, ...)
     */
    public ChatTemplate(String source, Map<String, ?> specialTokens) {
        this.source = Objects.requireNonNull(source, "source");
        this.specialTokens = new LinkedHashMap<>(specialTokens);
    }

    public String source() {
        return source;
    }

    /**
     * The prompt text for {@code messages}.
     *
     * @throws IllegalArgumentException when the template refuses the messages ({@code raise_exception}) or fails, or
     *     when both flags are set, or the last message's content is not in the rendered text to continue it
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, boolean continueFinalMessage) {
        if (addGenerationPrompt && continueFinalMessage) {
            throw new IllegalArgumentException("continue_final_message and add_generation_prompt are not compatible");
        }
        List<Map<String, Object>> chat = new ArrayList<>();
        for (ChatMessage message : messages) {
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("role", message.role());
            turn.put("content", message.content());
            chat.add(turn);
        }
        Map<String, Object> variables = new LinkedHashMap<>(specialTokens);
        variables.put("messages", chat);
        variables.put("tools", null);
        variables.put("documents", null);
        variables.put("add_generation_prompt", addGenerationPrompt);
        String rendered = JINJA.render(source, variables);
        if (continueFinalMessage && !messages.isEmpty()) {
            rendered = cutAfterFinalMessage(rendered, messages.getLast().content());
        }
        return rendered;
    }

    /**
     * transformers' rule: cut after the last occurrence of the stripped final message, keeping its trailing spacing
     * only where the template kept the whole message as it was.
     */
    private static String cutAfterFinalMessage(String rendered, String finalMessage) {
        String stripped = pythonStrip(finalMessage);
        int at = rendered.lastIndexOf(stripped);
        if (at < 0) {
            throw new IllegalArgumentException("continue_final_message is set but the final message does not appear"
                    + " in the chat after applying the chat template");
        }
        int end = Math.min(rendered.length(), at + pythonLstrip(finalMessage).length());
        if (rendered.substring(at, end).equals(finalMessage)) {
            return rendered.substring(0, end);
        }
        return rendered.substring(0, at + stripped.length());
    }

    private static String pythonStrip(String s) {
        return pythonLstrip(pythonRstrip(s));
    }

    private static String pythonLstrip(String s) {
        int i = 0;
        while (i < s.length() && PythonStringMethods.isSpace(s.charAt(i))) {
            i++;
        }
        return s.substring(i);
    }

    private static String pythonRstrip(String s) {
        int end = s.length();
        while (end > 0 && PythonStringMethods.isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }
}
