package org.evomerge.inference;

import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.compute.InferenceOperations;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import org.evomerge.api.inference.InferenceEngine;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.inference.Tokenizer;
import org.evomerge.api.model.Model;

/**
 * The CPU inference engine for Llama-family decoders (Llama 2/3, Mistral, Qwen2, Qwen3, Gemma 2 and 3, Phi-3,
 * Mixtral): see
 * {@code docs/inference.md}. Weights are read through {@link Model#tensors()} in their stored dtype and never copied.
 * Thread-safe; the models it loads share its worker threads.
 */
public final class LlamaInferenceEngine implements InferenceEngine {

    private final WorkerPool pool;
    private final InferenceOperations operations;
    private final String backendId;
    private final Function<Model, Optional<Tokenizer>> tokenizers;

    /**
     * The engine on the CPU kernels.
     *
     * @param threads    worker threads for the matrix kernels, at least 1
     * @param tokenizers finds a model's tokenizer (the tokenizer module's loader); may return empty
     */
    public LlamaInferenceEngine(int threads, Function<Model, Optional<Tokenizer>> tokenizers) {
        this(threads, null, tokenizers);
    }

    /**
     * The engine on the run's compute backend: its {@link ComputeBackend#inference()} kernels when it has them (a
     * GPU, weights uploaded once per loaded model and kept on the device for every session and evaluation of it),
     * else the CPU kernels.
     *
     * @param backend the run's backend ({@code --backend}); {@code null} for the CPU kernels
     */
    public LlamaInferenceEngine(int threads, ComputeBackend backend, Function<Model, Optional<Tokenizer>> tokenizers) {
        this.pool = new WorkerPool(threads);
        Optional<InferenceOperations> fromBackend = backend == null ? Optional.empty() : backend.inference();
        this.operations = fromBackend.orElseGet(() -> new CpuInferenceOperations(pool));
        this.backendId = fromBackend.isPresent() ? backend.id() : "cpu";
        this.tokenizers = Objects.requireNonNull(tokenizers, "tokenizers");
    }

    /**
     * @throws org.evomerge.api.EvomergeException (input) naming the model and the config field or tensor when the
     *     architecture, a hyperparameter, a tensor's shape or its dtype is not supported
     */
    @Override
    public LanguageModel load(Model model) {
        LlamaConfig config = LlamaConfig.of(model);
        LlamaWeights weights = LlamaWeights.load(config, ExpertRouting.of(config, model.config()), model.tensors(),
                operations);
        return new LlamaLanguageModel(new LlamaForward(config, weights, operations, pool));
    }

    @Override
    public Optional<Tokenizer> tokenizer(Model model) {
        return tokenizers.apply(model);
    }

    /** Where the kernels run: {@code cpu}, or the id of the backend whose inference kernels are used. */
    public String kernels() {
        return backendId;
    }

    /** The threads the kernels use. */
    public int threads() {
        return pool.threads();
    }
}
