package org.evomerge.plugins.merge;

import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.ModelWideStatistics;

/**
 * A merge method that writes its result into the engine's reused output array ({@link #mergeInto}); both forms of
 * {@code merge} allocate an array and call it.
 */
@FunctionalInterface
interface MergeIntoMethod extends MergeMethod {

    @Override
    void mergeInto(MergeInput input, ModelWideStatistics statistics, float[] out);

    @Override
    default float[] merge(MergeInput input) {
        return merge(input, ModelWideStatistics.NONE);
    }

    @Override
    default float[] merge(MergeInput input, ModelWideStatistics statistics) {
        float[] out = new float[input.elementCount()];
        mergeInto(input, statistics, out);
        return out;
    }
}
