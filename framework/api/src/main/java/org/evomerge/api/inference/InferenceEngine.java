package org.evomerge.api.inference;

import java.util.Optional;

import org.evomerge.api.Experimental;
import org.evomerge.api.model.Model;

/**
 * Run-scoped service that turns a {@link Model} into something that computes: evaluators and mutations get it with
 * {@code context.service(InferenceEngine.class)} and never construct an engine themselves.
 *
 * <p>The model may live only in memory (a merge result that was never written): the engine reads weights through
 * {@link Model#tensors()} and finds the tokenizer among {@link Model#sideFiles()}.
 */
@Experimental(since = "0.1.0",
        reason = "text generation for evaluators and mutations; sampling and session options may grow")
public interface InferenceEngine {

    /**
     * Builds a language model over the model's weights. The returned model borrows {@code model}'s tensors; close
     * it before closing {@code model}.
     *
     * @throws org.evomerge.api.EvomergeException (input) when the architecture or a weight's dtype is not supported,
     *     naming the model and the tensor or config field
     */
    LanguageModel load(Model model);

    /** The model's tokenizer ({@code tokenizer.json} among its side files), or empty when it has none. */
    Optional<Tokenizer> tokenizer(Model model);
}
