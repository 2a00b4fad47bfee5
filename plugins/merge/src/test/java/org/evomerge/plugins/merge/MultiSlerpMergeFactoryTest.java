package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.ArrayTolerance.assertClose;
import static org.evomerge.plugins.merge.ArrayTolerance.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Map;
import java.util.SplittableRandom;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/**
 * The merge-method contract plus hand-worked cases of {@code multislerp} (ALGORITHMS.md B.5) and a comparison with a
 * literal double-precision implementation of mergekit's steps (tangent vectors and exponential map included).
 */
class MultiSlerpMergeFactoryTest extends MergeMethodContract {

    @Override
    protected MergeMethodFactory factory() {
        return new MultiSlerpMergeFactory();
    }

    @Override
    protected Map<String, Object> perModelParameters(int modelIndex) {
        return Map.of("weight", 1.0 + modelIndex);
    }

    private static MergeInvocation multislerp(double[] weights, float[]... models) {
        MergeInvocation call = MergeInvocation.of(new MultiSlerpMergeFactory());
        for (int m = 0; m < models.length; m++) {
            call.model(models[m], Map.of("weight", weights[m]));
        }
        return call;
    }

    @Test
    void twoOrthogonalUnitVectorsMeetHalfWay() {
        // u = inputs, m = (1/2, 1/2), m̂ = (1, 1)/√2, scale Σ w‖x‖ = 1.
        assertClose(new double[] {0.70710678, 0.70710678},
                multislerp(new double[] {1, 1}, new float[] {1, 0}, new float[] {0, 1}).run(), 1e-7);
    }

    @Test
    void theResultIsRescaledByTheWeightedNorm() {
        // (2, 0) and (0, 4): same direction as above, scale 0.5·2 + 0.5·4 = 3.
        assertClose(new double[] {3 * 0.70710678, 3 * 0.70710678},
                multislerp(new double[] {1, 1}, new float[] {2, 0}, new float[] {0, 4}).run(), 1e-6);
    }

    @Test
    void threeModelsWithUnequalWeights() {
        // w = (1, 1, 2)/4; m = (0.25, 0.25, 0.5), ‖m‖ = √0.375; result = m/‖m‖ (scale 1).
        double norm = Math.sqrt(0.375);
        assertClose(new double[] {0.25 / norm, 0.25 / norm, 0.5 / norm},
                multislerp(new double[] {1, 1, 2}, new float[] {1, 0, 0}, new float[] {0, 1, 0}, new float[] {0, 0, 1})
                        .run(), 1e-7);
    }

    @Test
    void withABaseItInterpolatesTaskVectors() {
        // base (1, 1); task vectors (1, 0) and (0, 2): direction (1, 1)/√2, scale 0.5·1 + 0.5·2 = 1.5.
        double r = 1.5 * 0.70710678;
        assertClose(new double[] {1 + r, 1 + r},
                multislerp(new double[] {1, 1}, new float[] {2, 1}, new float[] {1, 3}).base(new float[] {1, 1}).run(),
                1e-6);
    }

    @Test
    void antipodalPairFallsBackToTheLinearMix() {
        // m = 0 with two models: 0.5·(1, 0) + 0.5·(−1, 0) = (0, 0).
        assertClose(new double[] {0, 0},
                multislerp(new double[] {1, 1}, new float[] {1, 0}, new float[] {-1, 0}).run(), 0);
    }

    @Test
    void cancellingDirectionsOfMoreThanTwoModelsAreAnError() {
        multislerp(new double[] {1, 1, 1}, new float[] {1, 0}, new float[] {-1, 0}, new float[] {0, 0}).refused();
    }

    @Test
    void modelsEqualToTheBaseGiveTheBase() {
        float[] base = {0.5f, -1, 2};
        float[] merged = multislerp(new double[] {1, 2, 3}, base.clone(), base.clone(), base.clone()).base(base).run();
        assertArrayEquals(base, merged);
    }

    @Test
    void weightsSummingToZeroAreNotDivided() {
        // w = (1, −1): m = (1, 0) − (0, 1), Σ w‖x‖ = 0, so the result is 0 (and finite).
        assertClose(new double[] {0, 0}, multislerp(new double[] {1, -1}, new float[] {1, 0}, new float[] {0, 1}).run(),
                1e-12);
    }

    @Test
    void oneModelIsReturnedUnchanged() {
        float[] x = {1, -2};
        assertArrayEquals(x, multislerp(new double[] {0.3}, x).base(new float[] {5, 5}).run());
    }

    @Test
    void agreesWithALiteralDoublePrecisionImplementation() {
        SplittableRandom random = new SplittableRandom(11);
        int n = 777;
        float[] base = gaussian(random, n, 0.05);
        float[][] models = new float[4][];
        for (int m = 0; m < models.length; m++) {
            models[m] = ArrayTolerance.plus(base, gaussian(random, n, 0.01 * (m + 1)));
        }
        double[] w = {0.4, 1.3, 0.2, 0.9};
        for (boolean withBase : new boolean[] {false, true}) {
            for (boolean normalize : new boolean[] {true, false}) {
                MergeInvocation call = multislerp(w, models).with("normalize_weights", normalize);
                if (withBase) {
                    call.base(base);
                }
                double[] expected = literal(models, withBase ? base : null, w, normalize, 1e-8);
                double scale = 0;
                for (double v : expected) {
                    scale = Math.max(scale, Math.abs(v));
                }
                assertClose(expected, call.run(), 1e-6 * scale);
            }
        }
    }

    /** mergekit's multislerp step by step, on full vectors, in double. */
    static double[] literal(float[][] x, float[] base, double[] weight, boolean normalize, double eps) {
        int count = x.length;
        int n = x[0].length;
        double[] w = weight.clone();
        if (normalize) {
            double sum = 0;
            for (double v : w) {
                sum += v;
            }
            for (int i = 0; i < count; i++) {
                w[i] /= sum;
            }
        }
        double[][] t = new double[count][n];
        double[] norms = new double[count];
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < n; k++) {
                t[i][k] = x[i][k] - (base == null ? 0 : base[k]);
                norms[i] += t[i][k] * t[i][k];
            }
            norms[i] = Math.sqrt(norms[i]);
        }
        double[][] u = new double[count][n];
        double[] mean = new double[n];
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < n; k++) {
                u[i][k] = t[i][k] / (norms[i] + eps);
                mean[k] += w[i] * u[i][k];
            }
        }
        double meanNorm = norm(mean);
        for (int k = 0; k < n; k++) {
            mean[k] /= meanNorm;
        }
        double[] tangent = new double[n];
        for (int i = 0; i < count; i++) {
            double dot = 0;
            for (int k = 0; k < n; k++) {
                dot += u[i][k] * mean[k];
            }
            for (int k = 0; k < n; k++) {
                tangent[k] += w[i] * (u[i][k] - dot * mean[k]);
            }
        }
        double tangentNorm = norm(tangent) + eps;
        double avgNorm = 0;
        for (int i = 0; i < count; i++) {
            avgNorm += norms[i] * w[i];
        }
        double[] result = new double[n];
        for (int k = 0; k < n; k++) {
            result[k] = (mean[k] * Math.cos(tangentNorm) + tangent[k] * Math.sin(tangentNorm) / tangentNorm) * avgNorm
                    + (base == null ? 0 : base[k]);
        }
        return result;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
