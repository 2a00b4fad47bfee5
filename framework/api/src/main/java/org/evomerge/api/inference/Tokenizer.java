package org.evomerge.api.inference;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import org.evomerge.api.Experimental;

/** Text to token ids and back, as the model's {@code tokenizer.json} defines it. Thread-safe. */
@Experimental(since = "0.1.0",
        reason = "text generation for evaluators and mutations; sampling and session options may grow")
public interface Tokenizer {

    /** Encodes {@code text}; {@code addSpecialTokens} adds what the tokenizer's post-processor adds (e.g. BOS). */
    int[] encode(String text, boolean addSpecialTokens);

    /** Decodes ids to text; special tokens are skipped when {@code skipSpecialTokens}. */
    String decode(int[] ids, boolean skipSpecialTokens);

    OptionalInt bosTokenId();

    OptionalInt eosTokenId();

    /**
     * The prompt text the model's own chat template (the Jinja {@code chat_template} of
     * {@code tokenizer_config.json}) renders for {@code messages}, as Hugging Face's {@code apply_chat_template}
     * renders it with {@code tokenize=False}. The text holds the special tokens the template writes (BOS among them):
     * encode it without adding special tokens.
     *
     * @param addGenerationPrompt end with what starts the assistant's answer
     * @param continueFinalMessage end right after the last message's content, so a model continues it (the last
     *     message is a partial answer); not together with {@code addGenerationPrompt}
     * @return the text, or empty when the tokenizer has no chat template
     * @throws IllegalArgumentException when the template fails for these messages (its {@code raise_exception}, an
     *     error in the template), with the reason
     */
    @Experimental(since = "0.1.0", reason = "chat prompts of lm-evaluation-harness tasks (apply_chat_template)")
    default Optional<String> applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt,
            boolean continueFinalMessage) {
        return Optional.empty();
    }
}
