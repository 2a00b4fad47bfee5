package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.ArrayTolerance.assertClose;
import static org.evomerge.plugins.merge.ArrayTolerance.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Map;
import java.util.SplittableRandom;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@code ram} and {@code ramplus_tl} (ALGORITHMS.md B.9): the merge-method contract, hand-worked cases, and random
 * tensors against a float64 re-computation written the way mergekit writes it (whole-tensor masks and counts).
 */
class ReinforcedAgentMergeTest {

    @Nested
    class RamContract extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new RamMergeFactory();
        }

        @Override
        protected int modelCount() {
            return 3;
        }

        @Override
        protected Map<String, Object> tensorParameters() {
            return Map.of();
        }
    }

    @Nested
    class RamPlusContract extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new RamPlusMergeFactory();
        }

        @Override
        protected int modelCount() {
            return 3;
        }

        @Override
        protected Map<String, Object> tensorParameters() {
            return Map.of("r", 0.5, "alpha", 0.3);
        }
    }

    private static float[] run(MergeMethodFactory factory, Map<String, Double> parameters, float[] base,
                               float[]... models) {
        MergeInvocation invocation = MergeInvocation.of(factory).base(base);
        for (Map.Entry<String, Double> e : parameters.entrySet()) {
            invocation = invocation.with(e.getKey(), e.getValue());
        }
        for (float[] model : models) {
            invocation = invocation.model(model);
        }
        return invocation.run();
    }

    @Test
    void ramKeepsUniqueChangesWholeAndAveragesSharedOnesOverTheModelsThatMadeThem() {
        // Base 1 everywhere. Position 0: both change (+2, +4) → mean +3. Position 1: only A (+0.5) → +0.5 whole.
        // Position 2: only B (−1) → −1. Position 3: A's change 5e-6 is below ε = 1e-5, B's is 0 → base.
        // Position 4: A +1, B's 1e-6 below ε → A's +1 alone (a plain mean would give +0.5).
        float[] base = {1, 1, 1, 1, 1};
        float[] a = {3, 1.5f, 1, 1 + 5e-6f, 2};
        float[] b = {5, 1, 0, 1, 1 + 1e-6f};
        float[] merged = run(new RamMergeFactory(), Map.of(), base, a, b);
        assertClose(new double[] {4, 1.5, 0, 1, 2}, merged, 1e-6);
    }

    @Test
    void ramPlusAmplifiesEachModelsUniqueChangesByItsSharedToUniqueRatio() {
        // 12 positions, base 0. A changes 0..10 (11 positions), B changes 0 and 11 only.
        // Shared = {0}. A: shared 1, unique 10 → ρ = 0.1 → λ = 1 + 0.1·0.1 = 1.01.
        // B: shared 1, unique 1 → ρ = 1, clipped to α = 0.2 → λ = 1.02.
        float[] base = new float[12];
        float[] a = new float[12];
        float[] b = new float[12];
        for (int i = 0; i <= 10; i++) {
            a[i] = 2;
        }
        b[0] = 4;
        b[11] = -3;
        float[] merged = run(new RamPlusMergeFactory(), Map.of(), base, a, b);
        double[] expected = new double[12];
        expected[0] = 3; // (2 + 4) / 2, shared: no amplification
        for (int i = 1; i <= 10; i++) {
            expected[i] = 2 * 1.01;
        }
        expected[11] = -3 * 1.02;
        assertClose(expected, merged, 1e-6);
    }

    @Test
    void ramPlusGivesAModelWithNoUniqueChangeTheFullAmplificationAsMergekitsEpsilonClampDoes() {
        // A changes 0 and 1, B changes 0 only: B has shared 1, unique 0 → ρ = 1/ε → λ_B = 1 + r·α (B has no unique
        // position, so it shows nowhere); A: shared 1, unique 1 → ρ = 1 → clipped to α = 0.5 → λ_A = 1 + 0.2·0.5.
        float[] merged = run(new RamPlusMergeFactory(), Map.of("r", 0.2, "alpha", 0.5), new float[] {0, 0},
                new float[] {1, 1}, new float[] {3, 0});
        assertClose(new double[] {2, 1.1}, merged, 1e-6);
    }

    @Test
    void ramPlusWithRateZeroIsRam() {
        SplittableRandom random = new SplittableRandom(3);
        float[] base = gaussian(random, 500, 1);
        float[][] models = sparseFineTunes(random, base, 3, 500);
        assertArrayEquals(run(new RamMergeFactory(), Map.of(), base, models),
                run(new RamPlusMergeFactory(), Map.of("r", 0.0), base, models));
    }

    @Test
    void randomSparseTaskVectorsMatchAFloat64ReComputation() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 20; trial++) {
            int n = 1 + random.nextInt(2000);
            int count = 1 + random.nextInt(4);
            float[] base = gaussian(random, n, 0.02);
            float[][] models = sparseFineTunes(random, base, count, n);
            double epsilon = trial % 2 == 0 ? 1e-5 : 1e-3;
            double r = random.nextDouble();
            double alpha = random.nextDouble();
            assertClose(reference(base, models, epsilon, 1.0, 0.0),
                    run(new RamMergeFactory(), Map.of("epsilon", epsilon), base, models), 1e-6);
            assertClose(reference(base, models, epsilon, r, alpha),
                    run(new RamPlusMergeFactory(), Map.of("epsilon", epsilon, "r", r, "alpha", alpha), base, models),
                    1e-6);
        }
    }

    /** Fine-tunes that each change a random ~40% of the positions, so unique, shared and untouched all occur. */
    private static float[][] sparseFineTunes(SplittableRandom random, float[] base, int count, int n) {
        float[][] models = new float[count][n];
        for (int m = 0; m < count; m++) {
            for (int i = 0; i < n; i++) {
                models[m][i] = random.nextDouble() < 0.4 ? (float) (base[i] + random.nextGaussian() * 0.01) : base[i];
            }
        }
        return models;
    }

    /**
     * mergekit's computation in float64: stacked task vectors, the activity mask, per-position counts, overlap and
     * unique masks, per-model shared and unique counts, then one sum over models. With r = 0 (or α = 0) it is RAM.
     */
    private static double[] reference(float[] base, float[][] models, double epsilon, double r, double alpha) {
        int count = models.length;
        int n = base.length;
        double[][] tv = new double[count][n];
        boolean[][] nonzero = new boolean[count][n];
        int[] counts = new int[n];
        for (int m = 0; m < count; m++) {
            for (int i = 0; i < n; i++) {
                tv[m][i] = (double) models[m][i] - (double) base[i];
                nonzero[m][i] = Math.abs(tv[m][i]) > epsilon;
                counts[i] += nonzero[m][i] ? 1 : 0;
            }
        }
        double[] lambda = new double[count];
        for (int m = 0; m < count; m++) {
            int shared = 0;
            int unique = 0;
            for (int i = 0; i < n; i++) {
                shared += nonzero[m][i] && counts[i] > 1 ? 1 : 0;
                unique += nonzero[m][i] && counts[i] == 1 ? 1 : 0;
            }
            double rho = shared / Math.max(unique, epsilon);
            lambda[m] = 1 + r * Math.min(Math.max(rho, 0), alpha);
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int m = 0; m < count; m++) {
                double z = nonzero[m][i] ? tv[m][i] : 0;
                sum += z * (counts[i] == 1 ? lambda[m] : 0) + z * (counts[i] > 1 ? 1.0 / Math.max(counts[i], 1) : 0);
            }
            out[i] = base[i] + sum;
        }
        return out;
    }
}
