package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.ArrayTolerance.assertClose;
import static org.evomerge.plugins.merge.ArrayTolerance.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/**
 * The merge-method contract plus hand-worked cases of {@code karcher} (ALGORITHMS.md B.6) and a comparison with a
 * literal implementation of mergekit's iteration on full vectors in double.
 */
class KarcherMergeFactoryTest extends MergeMethodContract {

    @Override
    protected MergeMethodFactory factory() {
        return new KarcherMergeFactory();
    }

    private static MergeInvocation karcher(float[]... models) {
        MergeInvocation call = MergeInvocation.of(new KarcherMergeFactory());
        for (float[] m : models) {
            call.model(m);
        }
        return call;
    }

    @Test
    void twoOrthogonalVectorsMeetOnTheBisector() {
        // Start u = (1, 1)/√2; θ_i = π/4 for both, the two tangent terms (±1/2, ∓1/2) cancel: T = 0, converged.
        // Scale (‖x1‖ + ‖x2‖)/2: 1 for unit vectors, 3 for (2, 0) and (0, 4).
        assertClose(new double[] {0.70710678, 0.70710678}, karcher(new float[] {1, 0}, new float[] {0, 1}).run(), 1e-7);
        assertClose(new double[] {3 * 0.70710678, 3 * 0.70710678},
                karcher(new float[] {2, 0}, new float[] {0, 4}).run(), 1e-6);
    }

    @Test
    void zeroTensorsAreLeftOutOfTheDirectionButCountInTheScale() {
        // (3, 0), (0, 3), (0, 0): direction from the first two, scale (3 + 3 + 0)/3 = 2.
        assertClose(new double[] {2 * 0.70710678, 2 * 0.70710678},
                karcher(new float[] {3, 0}, new float[] {0, 3}, new float[] {0, 0}).run(), 1e-6);
    }

    @Test
    void allZeroTensorsGiveZeros() {
        assertArrayEquals(new float[3], karcher(new float[3], new float[3], new float[] {0, 1e-7f, 0}).run());
    }

    @Test
    void theBaseIsOneMorePointOfTheMean() {
        assertClose(new double[] {0.70710678, 0.70710678},
                MergeInvocation.of(new KarcherMergeFactory()).model(new float[] {1, 0}).base(new float[] {0, 1}).run(),
                1e-7);
    }

    @Test
    void oneInputIsReturnedUnchanged() {
        float[] x = {1, 2, 3};
        assertArrayEquals(x, karcher(x).run());
    }

    @Test
    void agreesWithALiteralDoublePrecisionImplementation() {
        SplittableRandom random = new SplittableRandom(12);
        int n = 500;
        float[] shared = gaussian(random, n, 1);
        List<float[]> inputs = new ArrayList<>();
        for (int m = 0; m < 4; m++) {
            inputs.add(ArrayTolerance.plus(ArrayTolerance.scaled(shared, 0.3f * (m + 1)), gaussian(random, n, 0.6)));
        }
        for (int maxIter : new int[] {0, 1, 3, 10, 50}) {
            MergeInvocation call = karcher(inputs.toArray(float[][]::new)).with("max_iter", maxIter);
            double[] expected = literal(inputs, maxIter, 1e-5);
            double scale = 0;
            for (double v : expected) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertClose(expected, call.run(), 1e-6 * scale);
        }
    }

    /** mergekit's karcher_merge_tensors with α = 1/n, on full vectors, in double. */
    static double[] literal(List<float[]> tensors, int maxIter, double tol) {
        int count = tensors.size();
        int n = tensors.getFirst().length;
        double alpha = 1.0 / count;
        double[] norms = new double[count];
        double[][] units = new double[count][n];
        List<Integer> valid = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            double s = 0;
            for (float v : tensors.get(i)) {
                s += (double) v * v;
            }
            norms[i] = Math.sqrt(s);
            for (int k = 0; k < n && norms[i] > 0; k++) {
                units[i][k] = tensors.get(i)[k] / norms[i];
            }
            if (norms[i] > tol) {
                valid.add(i);
            }
        }
        double a = 1.0 / valid.size();
        double[] u = new double[n];
        for (int i : valid) {
            for (int k = 0; k < n; k++) {
                u[k] += a * units[i][k];
            }
        }
        double normU = norm(u);
        if (normU < tol) {
            u = units[valid.getFirst()].clone();
        } else {
            for (int k = 0; k < n; k++) {
                u[k] /= normU;
            }
        }
        for (int iter = 0; iter < maxIter; iter++) {
            double[] step = new double[n];
            for (int i : valid) {
                double dot = 0;
                for (int k = 0; k < n; k++) {
                    dot += u[k] * units[i][k];
                }
                dot = Math.clamp(dot, -1, 1);
                double theta = Math.acos(dot);
                if (theta < tol) {
                    continue;
                }
                for (int k = 0; k < n; k++) {
                    step[k] += a * (theta / Math.sin(theta)) * (units[i][k] - dot * u[k]);
                }
            }
            double normT = norm(step);
            if (normT < tol) {
                break;
            }
            for (int k = 0; k < n; k++) {
                u[k] = Math.cos(normT) * u[k] + Math.sin(normT) * step[k] / normT;
            }
            double un = norm(u);
            if (un > tol) {
                for (int k = 0; k < n; k++) {
                    u[k] /= un;
                }
            }
        }
        double scale = 0;
        for (int i = 0; i < count; i++) {
            scale += alpha * norms[i];
        }
        for (int k = 0; k < n; k++) {
            u[k] *= scale;
        }
        return u;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
