package org.evomerge.api.inference;

import org.evomerge.api.Experimental;

/**
 * The hidden states of a decoder's forward pass, as transformers' {@code output_hidden_states=True} returns them
 * before the final norm: what mergekit-moe's {@code hidden} gates are computed from. Obtained from
 * {@link LanguageModel#hiddenStates()}; used by one thread at a time, like its model.
 */
@Experimental(since = "0.1.0", reason = "mixture-of-experts gates from hidden states (evomerge moe)")
public interface HiddenStates {

    /**
     * The input of every decoder layer for {@code tokens} run as one sequence from position 0:
     * {@code result[0]} the embeddings, {@code result[l]} the output of layer {@code l - 1} (transformers'
     * {@code hidden_states[:-1]}), each {@code tokens.length × hidden} floats, row by row.
     *
     * @throws IllegalArgumentException when {@code tokens} is empty, longer than
     *     {@link LanguageModel#maxSequenceLength()} or holds an id outside the vocabulary
     */
    float[][] layerInputs(int[] tokens);
}
