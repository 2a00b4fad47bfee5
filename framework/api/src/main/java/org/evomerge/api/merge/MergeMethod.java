package org.evomerge.api.merge;

import org.evomerge.api.Stable;
import org.evomerge.api.tensor.TensorBlocks;

/**
 * Merges one tensor at a time, as mergekit does, so memory stays bounded by a few tensors whatever the model size.
 * Instances are used from several threads at once, one tensor per call, and must not keep per-call state.
 */
@Stable(since = "0.1.0")
public interface MergeMethod {

    /**
     * Returns the merged values, {@code input.elementCount()} long, in float32. Never returns NaN for finite inputs:
     * degenerate cases (weights summing to zero, nothing left after trimming) have a documented result or raise an
     * {@link org.evomerge.api.EvomergeException} naming the tensor.
     */
    float[] merge(MergeInput input);

    /**
     * Whole-model magnitude thresholds this instance needs before merging (for its global parameters, e.g. a trim
     * scope over the whole model); the engine computes them in a pre-pass and passes them to
     * {@link #merge(MergeInput, ModelWideStatistics)}. None by default.
     */
    @org.evomerge.api.Experimental(since = "0.1.0", reason = "the first whole-model pre-pass")
    default java.util.List<MagnitudeQuantile> modelWideQuantiles() {
        return java.util.List.of();
    }

    /**
     * Merges one tensor with the whole-model statistics asked for by {@link #modelWideQuantiles()}; the engine calls
     * this form. By default it ignores them and calls {@link #merge(MergeInput)}.
     */
    @org.evomerge.api.Experimental(since = "0.1.0", reason = "the first whole-model pre-pass")
    default float[] merge(MergeInput input, ModelWideStatistics statistics) {
        return merge(input);
    }

    /**
     * Merges one tensor into {@code out}, which the engine reuses from tensor to tensor; the engine calls this form.
     * A method that writes its result straight into {@code out} spares allocating, zeroing and faulting in a fresh
     * output array for every tensor, which profiling showed costs as much as the merge maths on large checkpoints. By
     * default it copies the result of {@link #merge(MergeInput, ModelWideStatistics)}.
     *
     * @param out {@code input.elementCount()} long, contents undefined on entry; never one of the input arrays
     */
    @org.evomerge.api.Experimental(since = "0.1.0", reason = "issue 4: merges without an output array per tensor")
    default void mergeInto(MergeInput input, ModelWideStatistics statistics, float[] out) {
        float[] merged = merge(input, statistics);
        if (merged.length != out.length) {
            throw new IllegalStateException("returned " + merged.length + " values for tensor '" + input.tensorName()
                    + "', expected " + out.length);
        }
        System.arraycopy(merged, 0, out, 0, out.length);
    }

    /**
     * Whether {@link #mergeBlocks} merges this tensor (its parameters resolved; {@code input.blocks()} is
     * {@code null} here). The engine asks before reading anything, and merges the tensor in blocks when this method
     * says yes and the tensor allows it (float inputs of one shape, no vocabulary alignment); otherwise it decodes the
     * whole tensor and calls {@link #mergeInto}. Methods whose per-element work needs only per-tensor statistics
     * (sums, norms, a threshold) should say yes: streaming spares the memory of whole float copies of every input,
     * which on large checkpoints costs more time than the maths. No by default.
     */
    @org.evomerge.api.Experimental(since = "0.1.0", reason = "tensors streamed in blocks: the block size and the passes may be tuned")
    default boolean mergesInBlocks(BlockMergeInput input) {
        return false;
    }

    /**
     * Merges one tensor streamed in blocks: any number of {@link TensorBlocks#scan} passes for per-tensor statistics,
     * then one {@link TensorBlocks#merge} pass. The result must be what {@link #mergeInto} gives for the same tensor,
     * up to the rounding of sums accumulated block by block.
     */
    @org.evomerge.api.Experimental(since = "0.1.0", reason = "tensors streamed in blocks: the block size and the passes may be tuned")
    default void mergeBlocks(BlockMergeInput input, ModelWideStatistics statistics) {
        throw new UnsupportedOperationException("this merge method does not merge in blocks");
    }
}
