package org.evomerge.tokenizers;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.evomerge.api.inference.ChatMessage;
import org.evomerge.api.inference.Tokenizer;

/**
 * A {@code tokenizer.json} run by the Hugging Face tokenizers library (Rust) through DJL's binding. Encoding never
 * truncates or pads. Thread-safe: the native tokenizer is immutable after loading.
 */
public final class DjlTokenizer implements Tokenizer, AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;
    private final OptionalInt bos;
    private final OptionalInt eos;
    private final Optional<ChatTemplate> chatTemplate;
    private final String source;

    DjlTokenizer(HuggingFaceTokenizer tokenizer, OptionalInt bos, OptionalInt eos, Optional<ChatTemplate> chatTemplate,
            String source) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.bos = bos;
        this.eos = eos;
        this.chatTemplate = chatTemplate;
        this.source = source;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = tokenizer.encode(text, addSpecialTokens, false).getIds();
        int[] result = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            result[i] = Math.toIntExact(ids[i]);
        }
        return result;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            wide[i] = ids[i];
        }
        return tokenizer.decode(wide, skipSpecialTokens);
    }

    @Override
    public OptionalInt bosTokenId() {
        return bos;
    }

    @Override
    public OptionalInt eosTokenId() {
        return eos;
    }

    /** The model's chat template, when {@code tokenizer_config.json} has one. */
    public Optional<ChatTemplate> chatTemplate() {
        return chatTemplate;
    }

    @Override
    public Optional<String> applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt,
            boolean continueFinalMessage) {
        return chatTemplate.map(t -> t.render(messages, addGenerationPrompt, continueFinalMessage));
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    @Override
    public String toString() {
        return "tokenizer " + source;
    }
}
