package org.evomerge.plugins.merge;

import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.tensor.TensorBlocks;

/**
 * A merge method of this plugin that needs each tensor at once (a sort, rows of a matrix, an iteration over the whole
 * tensor): it says so, the engine gives the tensor as one block, and {@link #mergeWhole} writes the result into that
 * block's output. A tensor that no model but the base has is the base, unchanged, as mergekit returns it: every such
 * method of this plugin does so, and {@link #mergeWhole} is not called for it.
 */
@FunctionalInterface
interface WholeTensorMethod extends MergeMethod {

    @Override
    default boolean needsWholeTensor(MergeInput input) {
        return true;
    }

    @Override
    default void merge(MergeInput input, TensorBlocks values, ModelWideStatistics statistics) {
        if (values.blockCount() > 1) {
            throw new IllegalStateException("tensor '" + input.tensorName() + "' came in " + values.blockCount()
                    + " blocks, but this method needs it whole");
        }
        values.merge((block, out) -> {
            if (InputArity.baseOnly(input)) {
                System.arraycopy(block.base(), 0, out, 0, out.length);
            } else {
                mergeWhole(input, block.models(), block.base(), statistics, out);
            }
        });
    }

    /**
     * Merges the tensor given whole; at least one model other than the base has it.
     *
     * @param models every non-base input's values, in {@code input.models()} order; read only
     * @param base   the base's values, or {@code null} when {@code input} has no base; read only
     * @param out    {@code input.elementCount()} long, contents undefined on entry: every element must be written
     */
    void mergeWhole(MergeInput input, float[][] models, float[] base, ModelWideStatistics statistics, float[] out);
}
