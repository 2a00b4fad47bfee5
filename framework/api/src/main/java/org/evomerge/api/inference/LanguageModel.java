package org.evomerge.api.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.evomerge.api.Experimental;

/**
 * A decoder-only language model ready to compute. Token ids are the model's vocabulary indices. Implementations are
 * safe for use by one thread at a time; matrix kernels parallelise internally.
 */
@Experimental(since = "0.1.0",
        reason = "text generation for evaluators and mutations; sampling and session options may grow")
public interface LanguageModel extends AutoCloseable {

    int vocabularySize();

    /** The longest sequence (prompt plus generated tokens) one session can hold. */
    int maxSequenceLength();

    /**
     * Teacher-forced scoring: {@code result[i] = ln p(tokens[i + 1] | tokens[0..i])}, natural log, for every
     * {@code i} in {@code [0, tokens.length - 1)}. One batched prefill, no sampling.
     *
     * @throws IllegalArgumentException when {@code tokens} is empty, longer than {@link #maxSequenceLength()} or
     *     holds an id outside the vocabulary
     */
    double[] tokenLogProbabilities(int[] tokens);

    /** Generates a continuation of {@code prompt} as {@code request} says. */
    Generation generate(int[] prompt, GenerationRequest request);

    /**
     * Generates a continuation of each prompt, each exactly what {@link #generate} gives for it alone (the same
     * tokens, text and stop reason), in the prompts' order. An implementation may run the prompts together (several
     * sequences per forward pass, a shared prefix computed once); this default runs them one after another.
     *
     * @throws IllegalArgumentException as {@link #generate} does, for the first prompt it rejects
     */
    default List<Generation> generateAll(List<int[]> prompts, GenerationRequest request) {
        List<Generation> generations = new ArrayList<>(prompts.size());
        for (int[] prompt : prompts) {
            generations.add(generate(prompt, request));
        }
        return generations;
    }

    /** The per-layer hidden states of a forward pass, when this model can expose them; empty otherwise. */
    @Experimental(since = "0.1.0", reason = "mixture-of-experts gates from hidden states (evomerge moe)")
    default Optional<HiddenStates> hiddenStates() {
        return Optional.empty();
    }

    /** A fresh incremental session with its own key/value cache. */
    InferenceSession newSession();

    @Override
    void close();
}
