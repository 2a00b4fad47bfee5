package org.evomerge.api.merge;

import java.util.List;
import org.evomerge.api.Experimental;
import org.evomerge.api.Stable;
import org.evomerge.api.tensor.TensorBlocks;

/**
 * Merges one tensor at a time, as mergekit does, so memory stays bounded whatever the model size. The engine calls
 * {@link #merge} once per tensor with the inputs as {@link TensorBlocks}: the method makes the scans its per-tensor
 * statistics need (sums, norms, a magnitude threshold), then one merge pass that writes every block's result into the
 * output block the engine provides. Whole tensors are the one-block case: a method that needs a tensor at once
 * (a sort, a per-row computation, an iteration over the whole tensor) says so with {@link #needsWholeTensor}, and the
 * engine gives it the tensor as a single block; so does the engine when it must hold a tensor whole anyway (a
 * vocabulary rebuild, quantized inputs, inputs cut to a common shape). A method that merges in blocks must give the
 * same result for any block size, up to the rounding of sums accumulated block by block.
 *
 * <p>Instances are used from several threads at once, one tensor per call, and must not keep per-call state.
 */
@Stable(since = "0.1.0")
public interface MergeMethod {

    /**
     * Whether this tensor must come as a single block (its parameters resolved; asked before anything is read).
     * Methods whose per-element work needs only per-tensor statistics should say no: streaming spares the memory of
     * whole float copies of every input, which on large checkpoints costs more time than the maths. No by default.
     */
    default boolean needsWholeTensor(MergeInput input) {
        return false;
    }

    /**
     * Whole-model magnitude thresholds this instance needs before merging (for its global parameters, e.g. a trim
     * scope over the whole model); the engine computes them in a pre-pass before the first tensor and passes them to
     * every {@link #merge}. None by default.
     */
    @Experimental(since = "0.1.0",
            reason = "model-wide magnitude statistics from a pre-pass; other statistics may join them")
    default List<MagnitudeQuantile> modelWideQuantiles() {
        return List.of();
    }

    /**
     * Merges one tensor: any number of {@link TensorBlocks#scan} passes, then exactly one {@link TensorBlocks#merge}
     * pass writing {@code input.elementCount()} float32 values block by block. Never writes NaN for finite inputs:
     * degenerate cases (weights summing to zero, nothing left after trimming) have a documented result or raise an
     * {@link org.evomerge.api.EvomergeException} naming the tensor. The blocks' arrays are read-only.
     *
     * @param values     every input's values ({@link TensorBlocks#modelCount()} is {@code input.models().size()}; the
     *                   blocks have a base iff {@code input.base()} is present)
     * @param statistics the answers to {@link #modelWideQuantiles()}, or {@link ModelWideStatistics#NONE}
     */
    void merge(MergeInput input, TensorBlocks values, ModelWideStatistics statistics);
}
