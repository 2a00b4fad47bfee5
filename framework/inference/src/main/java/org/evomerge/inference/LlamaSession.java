package org.evomerge.inference;

import org.evomerge.api.inference.InferenceSession;

/** Incremental decoding over one {@link KeyValueCache}. One thread at a time. */
final class LlamaSession implements InferenceSession {

    private final LlamaLanguageModel model;
    private final KeyValueCache cache;
    private boolean closed;

    LlamaSession(LlamaLanguageModel model) {
        this.model = model;
        this.cache = model.newCache();
    }

    /**
     * @throws IllegalArgumentException when {@code tokens} is empty, holds an id outside the vocabulary or would
     *     overflow the context
     */
    @Override
    public float[] append(int... tokens) {
        if (closed) {
            throw new IllegalStateException("the session is closed");
        }
        model.checkOpen();
        if (tokens.length == 0) {
            throw new IllegalArgumentException("append needs at least one token");
        }
        model.checkTokens(tokens, cache.length());
        float[] last = model.forward().run(cache, tokens, 1);
        return model.forward().logits(last, 1);
    }

    @Override
    public int length() {
        return cache.length();
    }

    @Override
    public void close() {
        closed = true;
    }
}
