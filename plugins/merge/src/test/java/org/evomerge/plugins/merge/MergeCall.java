package org.evomerge.plugins.merge;

import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.compute.ArrayBlocks;
import org.evomerge.engine.merge.WholeTensorMerge;

/**
 * One tensor to merge in a test: what the method sees and every input's values, merged as the engine merges it,
 * whole (one block) or in blocks.
 *
 * @param models every non-base input's values, in {@code input.models()} order
 * @param base   the base's values, or {@code null}
 */
record MergeCall(MergeInput input, float[][] models, float[] base) {

    /** The tensor merged whole, as the engine's whole-tensor path does. */
    float[] whole(MergeMethod method) {
        return WholeTensorMerge.merge(method, "test", input, models, base);
    }

    /** The tensor merged whole with the whole-model statistics of a pre-pass. */
    float[] whole(MergeMethod method, ModelWideStatistics statistics) {
        float[] out = new float[Math.toIntExact(input.elementCount())];
        method.merge(input, ArrayBlocks.whole(models, base, out), statistics);
        return out;
    }

    /** The tensor merged in blocks of {@code blockElements} (a multiple of 64). */
    float[] inBlocks(MergeMethod method, int blockElements) {
        float[] out = new float[Math.toIntExact(input.elementCount())];
        method.merge(input, new ArrayBlocks(models, base, out, blockElements), ModelWideStatistics.NONE);
        return out;
    }

    /** The same values under another tensor name. */
    MergeCall named(String tensor) {
        return new MergeCall(new MergeInput(tensor, input.shape(), input.models(), input.base(), input.parameters(),
                input.random()), models, base);
    }
}
