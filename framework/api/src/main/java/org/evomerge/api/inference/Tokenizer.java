package org.evomerge.api.inference;

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
}
