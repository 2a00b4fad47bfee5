package org.evomerge.compute;

import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.SignElection;
import org.evomerge.api.compute.TaskVectorCombine;

/**
 * The warm-up of the Vector API task-vector kernels ({@link KernelWarmup}), each on its first use only: a merge pays
 * for the kernels it uses, never the others. The kernels' callers ({@link VectorTaskVectorOperations}) warm before
 * calling, never the kernels themselves: the warm-up calls them directly, so a compiled kernel holds no check (the
 * selection warms once per call, outside its per-block kernel {@code bracket}, which the warm-up runs).
 */
final class TaskVectorWarmup {

    /** Elements of a warm-up call: two whole mask words and a tail, so every loop runs. */
    private static final int WARM_ELEMENTS = 136;

    /** The kernels, for their warm-up flags. */
    enum Operation { RANDOM_MASK, MAGNITUDE_MASK, MAGNITUDE_RANK, COMBINE }

    private static final KernelWarmup WARM = new KernelWarmup(Operation.values().length);

    private TaskVectorWarmup() {
    }

    /** Warms {@code operation} unless it is warm. */
    static void warm(Operation operation) {
        if (WARM.ready(operation.ordinal())) {
            return;
        }
        // Like the two sizes, everything else the calls vary (tie positions, bracket overflow, elections, masks) lets
        // the compiled code see every branch: a branch first met on real data deoptimises the kernel back to the slow
        // code.
        KernelWarmup.Operands operands = KernelWarmup.Operands.of(WARM_ELEMENTS);
        float[][] a = operands.a();
        float[][] b = operands.b();
        float[][] out = operands.out();
        long[][] mask = new long[2][];
        for (int s = 0; s < 2; s++) {
            mask[s] = new long[(a[s].length + 63) >>> 6];
        }
        TaskVectorCombine[] combines = {
            new TaskVectorCombine(new double[] {1, 0.5}, new double[] {1, 0.5}, SignElection.SUM, true, 1.0),
            new TaskVectorCombine(new double[] {1, 0.5}, new double[] {1, 1}, SignElection.COUNT, true, 1.0),
            new TaskVectorCombine(new double[] {1, 0.5}, new double[] {1, 0.5}, SignElection.NONE, false, 0.5)};
        long[] calls = {0};
        Runnable call = switch (operation) {
            case RANDOM_MASK -> () -> {
                long c = calls[0]++;
                int s = (int) (c & 1);
                VectorRandomMask.mask(c, 0, c, a[s], b[s], 0.5, mask[s]);
            };
            case MAGNITUDE_MASK -> () -> {
                long c = calls[0]++;
                int s = (int) (c & 1);
                VectorMagnitudeMask.mask(a[s], b[s],
                        c % 3 == 0 ? new MagnitudeRank(0.9f, (int) (c % 150)) : MagnitudeRank.NONE,
                        new MagnitudeRank(0.5f, (int) (c % 150)), mask[s]);
            };
            case MAGNITUDE_RANK -> () -> {
                long c = calls[0]++;
                int s = (int) (c & 1);
                float hi = c % 5 == 0 ? 0.25f : 0.75f;
                SampledMagnitudeSelection.bracket(a[s], b[s], 0.25f, hi,
                        new SampledMagnitudeSelection.Brackets(0, c % 3 == 0 ? 8 : WARM_ELEMENTS, 1), 0);
            };
            case COMBINE -> () -> {
                long c = calls[0]++;
                int s = (int) (c & 1);
                int k = (int) (c % 3);
                long[][] masks = k == 0 ? new long[][] {mask[s], null} : k == 1 ? new long[][] {null, mask[s]}
                        : new long[][] {mask[s], mask[s]};
                VectorTaskVectorCombine.combine(b[s], new float[][] {a[s], out[s]}, masks, combines[k], out[s]);
            };
        };
        WARM.ensure(operation.ordinal(), WARM_ELEMENTS, call);
    }
}
