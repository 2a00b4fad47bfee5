package org.evomerge.engine.merge;

import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.tensor.TensorBlocks;

/** A test merge method written over whole arrays: it needs every tensor whole, and returns the merged values. */
@FunctionalInterface
public interface ArrayMergeMethod extends MergeMethod {

    /** The merged values of a tensor given whole: {@code models[m]} in {@code input.models()} order, base or null. */
    float[] merge(MergeInput input, float[][] models, float[] base);

    @Override
    default boolean needsWholeTensor(MergeInput input) {
        return true;
    }

    @Override
    default void merge(MergeInput input, TensorBlocks values, ModelWideStatistics statistics) {
        values.merge((block, out) -> System.arraycopy(merge(input, block.models(), block.base()), 0, out, 0,
                out.length));
    }
}
