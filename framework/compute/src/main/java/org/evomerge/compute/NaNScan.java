package org.evomerge.compute;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Whether a merged tensor or block holds NaN: one vector pass (as a scalar loop the check cost 5 % of a slerp merge).
 * Warmed like the backends' kernels ({@link KernelWarmup}): the merge engine calls it on every block, and a profile
 * of a TIES merge had it among the largest users of the Vector API's slow generic code while it was not.
 */
public final class NaNScan {

    private static final VectorSpecies<Float> LANES = FloatVector.SPECIES_PREFERRED;
    private static final KernelWarmup WARM = new KernelWarmup(1);
    private static final int WARM_ELEMENTS = 264;

    private NaNScan() {
    }

    /** Whether any value is NaN. */
    public static boolean any(float[] values) {
        if (!WARM.ready(0)) {
            float[][] sizes = {new float[WARM_ELEMENTS], new float[WARM_ELEMENTS - 8]};
            sizes[1][3] = Float.NaN; // both outcomes, both loop shapes
            int[] calls = {0};
            boolean[] sink = {false};
            WARM.ensure(0, WARM_ELEMENTS, () -> sink[0] ^= scan(sizes[calls[0]++ & 1]));
        }
        return scan(values);
    }

    private static boolean scan(float[] values) {
        int i = 0;
        for (int bound = LANES.loopBound(values.length); i < bound; i += LANES.length()) {
            FloatVector v = FloatVector.fromArray(LANES, values, i);
            if (v.compare(VectorOperators.NE, v).anyTrue()) {
                return true;
            }
        }
        for (; i < values.length; i++) {
            if (Float.isNaN(values[i])) {
                return true;
            }
        }
        return false;
    }
}
