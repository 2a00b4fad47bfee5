package org.evomerge.inference;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import org.evomerge.api.inference.InferenceEngine;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.inference.Tokenizer;
import org.evomerge.api.model.Model;

/**
 * The CPU inference engine for Llama-family decoders (Llama 2/3, Mistral, Qwen2): see {@code docs/inference.md}.
 * Weights are read through {@link Model#tensors()} in their stored dtype and never copied. Thread-safe; the models it
 * loads share its worker threads.
 */
public final class LlamaInferenceEngine implements InferenceEngine {

    private final WorkerPool pool;
    private final Function<Model, Optional<Tokenizer>> tokenizers;

    /**
     * @param threads    worker threads for the matrix kernels, at least 1
     * @param tokenizers finds a model's tokenizer (the tokenizer module's loader); may return empty
     */
    public LlamaInferenceEngine(int threads, Function<Model, Optional<Tokenizer>> tokenizers) {
        this.pool = new WorkerPool(threads);
        this.tokenizers = Objects.requireNonNull(tokenizers, "tokenizers");
    }

    /**
     * @throws org.evomerge.api.EvomergeException (input) naming the model and the config field or tensor when the
     *     architecture, a hyperparameter, a tensor's shape or its dtype is not supported
     */
    @Override
    public LanguageModel load(Model model) {
        LlamaConfig config = LlamaConfig.of(model);
        boolean tied = Boolean.TRUE.equals(model.config().raw().get("tie_word_embeddings"));
        LlamaWeights weights = LlamaWeights.load(config, model.tensors(), tied);
        return new LlamaLanguageModel(new LlamaForward(config, weights, pool));
    }

    @Override
    public Optional<Tokenizer> tokenizer(Model model) {
        return tokenizers.apply(model);
    }

    /** The threads the kernels use. */
    public int threads() {
        return pool.threads();
    }
}
