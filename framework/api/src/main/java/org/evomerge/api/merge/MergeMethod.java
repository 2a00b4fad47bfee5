package org.evomerge.api.merge;

import org.evomerge.api.Stable;

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
}
