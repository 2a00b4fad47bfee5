package org.evomerge.api.inference;

import java.util.Objects;

import org.evomerge.api.Experimental;

/**
 * A generated continuation.
 *
 * @param tokens the generated ids, without the prompt and without a stop token
 * @param text the decoded continuation cut before any stop string; empty when the request had no tokenizer
 * @param stopReason why generation ended
 */
@Experimental(since = "0.1.0",
        reason = "text generation for evaluators and mutations; sampling and session options may grow")
public record Generation(int[] tokens, String text, StopReason stopReason) {

    public Generation {
        tokens = tokens.clone();
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(stopReason, "stopReason");
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    public enum StopReason { STOP_TOKEN, STOP_STRING, MAX_TOKENS, CONTEXT_FULL }
}
