package org.evomerge.engine.merge;

import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.compute.ArrayBlocks;

/**
 * A merge method run on a tensor held whole in arrays: the one-block case of its contract, as the engine's
 * whole-tensor path (vocabulary rebuilds, quantized inputs, shapes cut to a common block, methods that need the whole
 * tensor) and whole-model crossover run it.
 */
public final class WholeTensorMerge {

    private WholeTensorMerge() {
    }

    /**
     * Merges a tensor held whole into a new array. A method's internal failure ({@link IllegalStateException}) and a
     * method that makes no merge pass are errors naming the method.
     *
     * @param models every non-base input's values, in {@code input.models()} order, each {@code input.elementCount()}
     *               long; read only
     * @param base   the base's values, or {@code null} when {@code input} has no base
     */
    public static float[] merge(MergeMethod method, String methodId, MergeInput input, float[][] models, float[] base) {
        float[] out = new float[Math.toIntExact(input.elementCount())];
        merge(method, methodId, input, models, base, ModelWideStatistics.NONE, out);
        return out;
    }

    /** {@link #merge(MergeMethod, String, MergeInput, float[][], float[])} into {@code out}, with statistics. */
    static void merge(MergeMethod method, String methodId, MergeInput input, float[][] models, float[] base,
                      ModelWideStatistics statistics, float[] out) {
        ArrayBlocks values = ArrayBlocks.whole(models, base, out);
        MergeMethodCall.merge(method, methodId, input, values, statistics, values::merged);
    }
}
