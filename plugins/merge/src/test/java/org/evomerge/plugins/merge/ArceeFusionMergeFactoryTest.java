package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.ArrayTolerance.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntToDoubleFunction;
import java.util.stream.IntStream;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/**
 * The merge-method contract plus hand-worked cases of {@code arcee_fusion} (ALGORITHMS.md B.12), the quantile rule,
 * the seeded sample, and a direct double-precision recomputation.
 */
class ArceeFusionMergeFactoryTest extends MergeMethodContract {

    @Override
    protected MergeMethodFactory factory() {
        return new ArceeFusionMergeFactory();
    }

    @Override
    protected int modelCount() {
        return 1;
    }

    private static MergeInvocation fusion(float[] base, float[] other) {
        return MergeInvocation.of(new ArceeFusionMergeFactory()).base(base).model(other);
    }

    @Test
    void keepsOnlyOutstandingChanges() {
        // One row, a = 0, b − a = [1..7, 100]: importance = c·|Δ| with one KL value c > 0 for the row. Sorted
        // importance over m = 8: median = index ⌊3.5⌋ = 3 → 4c, Q1 = index ⌊1.75⌋ = 1 → 2c, Q3 = index ⌊5.25⌋ = 5
        // → 6c; threshold = 4c + 1.5·4c = 10c: only the 100 passes.
        float[] b = {1, 2, 3, 4, 5, 6, 7, 100};
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 100}, fusion(new float[8], b).run());
    }

    @Test
    void theKlDivergenceIsTakenPerRow() {
        // Row 0: b = a + 1 everywhere: identical softmax, KL = 0, so importance 0 despite |Δ| = 1.
        // Row 1: a = 0, b = [0.1, 0.2, 0.25, 3]: importance c·b. All eight sorted: [0, 0, 0, 0, .1c, .2c, .25c, 3c]:
        // median = index 3 → 0, Q1 = index 1 → 0, Q3 = index 5 → .2c; threshold = 0.3c: only 3c passes.
        float[] a = new float[8];
        float[] b = {1, 1, 1, 1, 0.1f, 0.2f, 0.25f, 3};
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 3}, fusion(a, b).shape(2, 4).run());
    }

    @Test
    void anImportanceExactlyAtTheThresholdIsKept() {
        // One row, a = [0, 1, 1, 1, 1]/8, b − a = [0, 2, 3, 4, 6]/8: importance = c·|Δ| with the row's KL c > 0.
        // Sorted over m = 5: Q1 = index 1 → c/4, median = index 2 → 3c/8, Q3 = index 3 → c/2; threshold =
        // 3c/8 + 1.5·(c/2 − c/4) = 3c/4, the last element's importance: it is at the threshold and kept (≥). In
        // double the identity survives rounding (c/4, c/2 and 2·fl(3c/8) = fl(3c/4) are exact scalings); with
        // importance and threshold rounded to float32, this c (≈ 0.02974) gives a threshold one ulp above 3c/4.
        float[] a = {0, 0.125f, 0.125f, 0.125f, 0.125f};
        float[] b = {0, 0.375f, 0.5f, 0.625f, 0.875f};
        assertArrayEquals(new float[] {0, 0.125f, 0.125f, 0.125f, 0.875f}, fusion(a, b).run());
    }

    @Test
    void quantilesAreTheLowerOrderStatisticLikeMergekit() {
        double[] sorted = {1, 2, 3, 4, 5, 6, 7, 8};
        assertEquals(4, ArceeFusionMergeFactory.quantile(sorted, 0.5));
        assertEquals(2, ArceeFusionMergeFactory.quantile(sorted, 0.25));
        assertEquals(6, ArceeFusionMergeFactory.quantile(sorted, 0.75));
        assertEquals(5 + 1.5 * (7 - 3), ArceeFusionMergeFactory.threshold(new double[] {9, 1, 8, 2, 7, 3, 6, 4, 5}));
    }

    @Test
    void theSampleIsSeededDistinctAndUniform() {
        int n = 200_000;
        IntToDoubleFunction index = i -> i;
        double[] first = ArceeFusionMergeFactory.sample(index, n, 10_000, new SeededRandomSource(3).fork("t"));
        double[] again = ArceeFusionMergeFactory.sample(index, n, 10_000, new SeededRandomSource(3).fork("t"));
        double[] other = ArceeFusionMergeFactory.sample(index, n, 10_000, new SeededRandomSource(4).fork("t"));
        assertArrayEquals(first, again);
        assertFalse(Arrays.equals(first, other));
        assertEquals(10_000, first.length);
        double[] sorted = first.clone();
        Arrays.sort(sorted);
        double mean = 0;
        for (int i = 0; i < sorted.length; i++) {
            assertTrue(i == 0 || sorted[i] > sorted[i - 1], "sampled twice: " + sorted[i]);
            mean += sorted[i] / sorted.length;
        }
        // uniform over [0, n): mean n/2 with standard error n/√(12·10⁴) ≈ 577
        assertEquals(n / 2.0, mean, 5 * 577);
        // small tensors are used whole
        assertArrayEquals(IntStream.range(0, n).asDoubleStream().toArray(),
                ArceeFusionMergeFactory.sample(index, n, n, new SeededRandomSource(3)));
    }

    @Test
    void largeTensorsAreSampledReproducibly() {
        SplittableRandom random = new SplittableRandom(18);
        float[] a = gaussian(random, 64 * 64, 1);
        float[] b = ArrayTolerance.plus(a, gaussian(random, 64 * 64, 0.1));
        float[] first = fusion(a, b).shape(64, 64).with("sample_size", 500).seed(7).run();
        assertArrayEquals(first, fusion(a, b).shape(64, 64).with("sample_size", 500).seed(7).run());
        float[] whole = fusion(a, b).shape(64, 64).run();
        int differences = 0;
        for (int i = 0; i < first.length; i++) {
            differences += first[i] == whole[i] ? 0 : 1;
        }
        // a 500-element sample moves the threshold a little: few elements change side
        assertTrue(differences < first.length / 20, differences + " elements differ");
    }

    @Test
    void agreesWithADirectRecomputation() {
        SplittableRandom random = new SplittableRandom(19);
        int rows = 16;
        int cols = 32;
        float[] a = gaussian(random, rows * cols, 1);
        float[] b = ArrayTolerance.plus(a, gaussian(random, rows * cols, 0.3));
        double[] importance = new double[a.length];
        for (int r = 0; r < rows; r++) {
            double za = 0;
            double zb = 0;
            for (int c = 0; c < cols; c++) {
                za += Math.exp(a[r * cols + c]);
                zb += Math.exp(b[r * cols + c]);
            }
            double kl = 0;
            for (int c = 0; c < cols; c++) {
                double p = Math.exp(b[r * cols + c]) / zb + 1e-8;
                double q = Math.exp(a[r * cols + c]) / za + 1e-8;
                kl += p * Math.log(p / q);
            }
            for (int c = 0; c < cols; c++) {
                importance[r * cols + c] = Math.abs((double) b[r * cols + c] - a[r * cols + c]) * kl;
            }
        }
        double[] sorted = importance.clone();
        Arrays.sort(sorted);
        int m = sorted.length - 1;
        double threshold = sorted[m / 2] + 1.5 * (sorted[(int) (0.75 * m)] - sorted[(int) (0.25 * m)]);
        float[] merged = fusion(a, b).shape(rows, cols).run();
        int taken = 0;
        for (int i = 0; i < a.length; i++) {
            if (Math.abs(importance[i] - threshold) < 1e-6 * threshold) {
                continue; // too close to call across precisions
            }
            float expected = importance[i] >= threshold ? a[i] + (b[i] - a[i]) : a[i];
            assertEquals(expected, merged[i], "element " + i);
            taken += importance[i] >= threshold ? 1 : 0;
        }
        assertTrue(taken > 0 && taken < a.length / 4, taken + " changes taken");
    }
}
