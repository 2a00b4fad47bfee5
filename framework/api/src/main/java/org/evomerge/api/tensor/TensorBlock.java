package org.evomerge.api.tensor;

import java.util.Objects;
import org.evomerge.api.Experimental;

/**
 * Consecutive elements {@code [offset, offset + length)} of a tensor streamed by {@link TensorBlocks}, decoded to
 * float32 (the working precision) for every input. The arrays are exactly {@code length} long and belong to the
 * engine, which reuses them for the next block: read them during the call, never keep them.
 *
 * @param index  the block's position among the tensor's blocks, from 0
 * @param offset the index of the block's first element in the flattened tensor
 * @param length the number of elements
 * @param models the non-base inputs' values, in recipe order
 * @param base   the base model's values, or {@code null} when the recipe names no base model
 */
@Experimental(since = "0.1.0",
        reason = "tensors streamed in blocks to merge methods; block size and passes may be tuned")
public record TensorBlock(int index, long offset, int length, float[][] models, float[] base) {

    public TensorBlock {
        Objects.requireNonNull(models, "models");
        for (float[] m : models) {
            if (m.length != length) {
                throw new IllegalArgumentException("a model's block has " + m.length + " elements, not " + length);
            }
        }
        if (base != null && base.length != length) {
            throw new IllegalArgumentException("the base's block has " + base.length + " elements, not " + length);
        }
    }
}
