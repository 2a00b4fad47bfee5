package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.ArrayTolerance.assertClose;
import static org.evomerge.plugins.merge.ArrayTolerance.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/**
 * The merge-method contract plus hand-worked cases of {@code sce} (ALGORITHMS.md B.8) and a comparison with a direct
 * double-precision implementation.
 */
class SceMergeFactoryTest extends MergeMethodContract {

    @Override
    protected MergeMethodFactory factory() {
        return new SceMergeFactory();
    }

    private static MergeInvocation sce(float[] base, float[]... models) {
        MergeInvocation call = MergeInvocation.of(new SceMergeFactory()).base(base);
        for (float[] m : models) {
            call.model(m);
        }
        return call;
    }

    @Test
    void weightsByEnergyAndErasesMinoritySigns() {
        // δ1 = [1, −2, 3, 0], δ2 = [3, 2, −1, 0]; mean δ² = 14/4 for both: w = (1/2, 1/2).
        // pos 0: Σ = 4 → +, both agree: (0.5·1 + 0.5·3)/1 = 2.  pos 1: Σ = 0 → + (≥ 0): only δ2: 2.
        // pos 2: Σ = 2 → +: only δ1: 3.  pos 3: nobody: 0/1e-6 = 0.  Base 1 is added back.
        float[] base = {1, 1, 1, 1};
        float[] merged = sce(base, new float[] {2, -1, 4, 1}, new float[] {4, 3, 0, 1}).run();
        assertArrayEquals(new float[] {3, 3, 4, 1}, merged);
    }

    @Test
    void unequalEnergiesWeightTheAgreeingModels() {
        // δ1 = [1, 0, 5, 2], δ2 = [1, 4, −5, 2]: energies 30/4 and 46/4, w = (30/76, 46/76).
        // pos 0: both 1 → 1. pos 1: δ2 → 4. pos 2: Σ = 0 → +, δ1 → 5. pos 3: both 2 → 2.
        float[] merged = sce(new float[4], new float[] {1, 0, 5, 2}, new float[] {1, 4, -5, 2}).run();
        assertClose(new double[] {1, 4, 5, 2}, merged, 1e-6);
        // a position where both agree with different values: δ1 = 1, δ2 = 3 → (30·1 + 46·3)/76
        float[] both = sce(new float[2], new float[] {1, 5}, new float[] {3, 1}).run();
        // energies (1 + 25)/2 = 13 and (9 + 1)/2 = 5: w = (13/18, 5/18)
        assertClose(new double[] {(13 * 1 + 5 * 3) / 18.0, (13 * 5 + 5 * 1) / 18.0}, both, 1e-6);
    }

    @Test
    void tinyTaskVectorsGetUniformWeights() {
        // energies 1e-8 and 4.5e-8 sum below 1e-6: uniform weights, (1e-4 + 3e-4)/2 = 2e-4
        // (energy weights would give ≈ 2.64e-4).
        float[] merged = sce(new float[2], new float[] {1e-4f, 1e-4f}, new float[] {3e-4f, 0}).run();
        assertClose(new double[] {2e-4, 1e-4}, merged, 1e-10);
    }

    @Test
    void selectTopkKeepsTheHighestVariancePositions() {
        // δ1 = [1, 0, 5, 2], δ2 = [1, 4, −5, 2]: variances [0, 4, 25, 0], 2 non-zero, τ = 0.5 → k = 1: keep pos 2.
        // Then δ1 = [0, 0, 5, 0], δ2 = [0, 0, −5, 0], w = (1/2, 1/2); pos 2: Σ = 0 → +: 5.
        float[] merged = sce(new float[4], new float[] {1, 0, 5, 2}, new float[] {1, 4, -5, 2}).with("select_topk", 0.5)
                .run();
        assertArrayEquals(new float[] {0, 0, 5, 0}, merged);
        // τ = 0 keeps nothing: the base
        float[] base = {7, 8, 9, 10};
        float[] none = sce(base, new float[] {1, 0, 5, 2}, new float[] {1, 4, -5, 2}).with("select_topk", 0.0).run();
        assertArrayEquals(base, none);
    }

    @Test
    void equalVariancesAtTheCutAreKeptInIndexOrder() {
        // variance 1 everywhere, τ = 0.5 of 3 → k = 1: only position 0; there Σ = 0 → +: δ1 = 1.
        float[] merged = sce(new float[3], new float[] {1, 1, 1}, new float[] {-1, -1, -1})
                .with("select_topk", 0.5).run();
        assertArrayEquals(new float[] {1, 0, 0}, merged);
    }

    @Test
    void aTensorOnlyTheBaseHasIsReturnedUnchanged() {
        float[] base = {1, 2};
        assertArrayEquals(base, MergeInvocation.of(new SceMergeFactory()).base(base).run());
    }

    @Test
    void agreesWithADirectDoublePrecisionImplementation() {
        SplittableRandom random = new SplittableRandom(13);
        int n = 400;
        float[] base = gaussian(random, n, 1);
        float[][] models = new float[3][];
        for (int m = 0; m < 3; m++) {
            models[m] = ArrayTolerance.plus(base, gaussian(random, n, 0.5 * (m + 1)));
        }
        for (double tau : new double[] {1.0, 0.3}) {
            double[] expected = direct(base, models, tau);
            assertClose(expected, sce(base, models).with("select_topk", tau).run(), 1e-5);
        }
    }

    /** SCE written out with full task-vector arrays (distinct variances, so no ties at the cut). */
    private static double[] direct(float[] base, float[][] x, double tau) {
        int count = x.length;
        int n = base.length;
        double[][] d = new double[count][n];
        for (int m = 0; m < count; m++) {
            for (int k = 0; k < n; k++) {
                d[m][k] = (double) x[m][k] - base[k];
            }
        }
        if (tau < 1) {
            double[] var = new double[n];
            for (int k = 0; k < n; k++) {
                double mean = 0;
                for (int m = 0; m < count; m++) {
                    mean += d[m][k] / count;
                }
                for (int m = 0; m < count; m++) {
                    var[k] += (d[m][k] - mean) * (d[m][k] - mean) / count;
                }
            }
            double[] sorted = var.clone();
            java.util.Arrays.sort(sorted);
            int keep = (int) (n * tau);
            double cut = sorted[n - keep];
            for (int k = 0; k < n; k++) {
                if (var[k] < cut) {
                    for (int m = 0; m < count; m++) {
                        d[m][k] = 0;
                    }
                }
            }
        }
        double[] w = new double[count];
        double total = 0;
        for (int m = 0; m < count; m++) {
            for (int k = 0; k < n; k++) {
                w[m] += d[m][k] * d[m][k] / n;
            }
            total += w[m];
        }
        double[] out = new double[n];
        for (int k = 0; k < n; k++) {
            double sum = 0;
            for (int m = 0; m < count; m++) {
                sum += d[m][k];
            }
            double sign = sum >= 0 ? 1 : -1;
            double num = 0;
            double den = 0;
            for (int m = 0; m < count; m++) {
                if (Math.signum(d[m][k]) == sign) {
                    num += w[m] / total * d[m][k];
                    den += w[m] / total;
                }
            }
            out[k] = base[k] + num / Math.max(den, 1e-6);
        }
        return out;
    }
}
