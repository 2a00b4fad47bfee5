package org.evomerge.tokenizers;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The chat formats most checkpoints use, recognised from the Jinja {@code chat_template} of
 * {@code tokenizer_config.json} by their marker tokens and rendered in Java. evomerge does not run Jinja: a template of
 * another family is not recognised ({@link #recognise} is empty) rather than rendered approximately.
 *
 * <p>The rendered text already holds the BOS token where the family puts it: encode it without adding special
 * tokens.
 */
public final class ChatTemplate {

    /** The recognised families, by the markers their templates contain. */
    public enum Family {
        /** {@code <|im_start|>role\ncontent<|im_end|>\n} (Qwen, many fine-tunes). */
        CHATML,
        /** {@code <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>} (Llama 3). */
        LLAMA3,
        /** {@code <s>[INST] user [/INST] assistant</s>} with Llama 2's {@code <<SYS>>} block (Llama 2, Mistral). */
        INST,
        /** {@code <start_of_turn>user\ncontent<end_of_turn>\n}, the assistant called {@code model} (Gemma). */
        GEMMA
    }

    /** One turn of a conversation; {@code role} is {@code system}, {@code user} or {@code assistant}. */
    public record Message(String role, String content) {
        public Message {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(content, "content");
        }
    }

    private final Family family;
    private final String bos;
    private final String eos;

    public ChatTemplate(Family family, String bos, String eos) {
        this.family = Objects.requireNonNull(family, "family");
        this.bos = bos == null ? "" : bos;
        this.eos = eos == null ? "" : eos;
    }

    /** The family of {@code jinjaTemplate}, or empty when it is none of {@link Family}. */
    public static Optional<ChatTemplate> recognise(String jinjaTemplate, String bos, String eos) {
        if (jinjaTemplate.contains("<|im_start|>")) {
            return Optional.of(new ChatTemplate(Family.CHATML, bos, eos));
        }
        if (jinjaTemplate.contains("<|start_header_id|>")) {
            return Optional.of(new ChatTemplate(Family.LLAMA3, bos, eos));
        }
        if (jinjaTemplate.contains("<start_of_turn>")) {
            return Optional.of(new ChatTemplate(Family.GEMMA, bos, eos));
        }
        if (jinjaTemplate.contains("[INST]")) {
            return Optional.of(new ChatTemplate(Family.INST, bos, eos));
        }
        return Optional.empty();
    }

    public Family family() {
        return family;
    }

    /**
     * The prompt text for {@code messages}; with {@code addGenerationPrompt} it ends where the assistant's answer
     * starts.
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        switch (family) {
            case CHATML -> {
                for (Message m : messages) {
                    out.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
                }
                if (addGenerationPrompt) {
                    out.append("<|im_start|>assistant\n");
                }
            }
            case LLAMA3 -> {
                out.append(bos);
                for (Message m : messages) {
                    out.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n")
                            .append(m.content().strip()).append("<|eot_id|>");
                }
                if (addGenerationPrompt) {
                    out.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
                }
            }
            case GEMMA -> {
                out.append(bos);
                for (Message m : messages) {
                    String role = m.role().equals("assistant") ? "model" : m.role();
                    out.append("<start_of_turn>").append(role).append('\n').append(m.content().strip())
                            .append("<end_of_turn>\n");
                }
                if (addGenerationPrompt) {
                    out.append("<start_of_turn>model\n");
                }
            }
            case INST -> {
                String system = null;
                for (Message m : messages) {
                    switch (m.role()) {
                        case "system" -> system = m.content();
                        case "assistant" -> out.append(' ').append(m.content().strip()).append(eos);
                        default -> {
                            String content = m.content().strip();
                            if (system != null) {
                                content = "<<SYS>>\n" + system.strip() + "\n<</SYS>>\n\n" + content;
                                system = null;
                            }
                            out.append(bos).append("[INST] ").append(content).append(" [/INST]");
                        }
                    }
                }
            }
            default -> throw new IllegalStateException(family.toString());
        }
        return out.toString();
    }
}
