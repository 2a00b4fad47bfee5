package org.evomerge.api.inference;

import org.evomerge.api.Experimental;

/** Incremental decoding over a key/value cache: each call appends tokens and returns the logits after the last. */
@Experimental(since = "0.1.0",
        reason = "text generation for evaluators and mutations; sampling and session options may grow")
public interface InferenceSession extends AutoCloseable {

    /**
     * Appends {@code tokens} (a batched prefill when there are several) and returns the raw logits, of length
     * {@link LanguageModel#vocabularySize()}, predicting the token after the last one appended.
     */
    float[] append(int... tokens);

    /** Tokens held so far. */
    int length();

    @Override
    void close();
}
