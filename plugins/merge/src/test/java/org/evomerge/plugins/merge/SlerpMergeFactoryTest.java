package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.ArrayTolerance.assertClose;
import static org.evomerge.plugins.merge.ArrayTolerance.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/** The merge-method contract plus hand-worked and property cases of {@code slerp} (ALGORITHMS.md B.3, B.21). */
class SlerpMergeFactoryTest extends MergeMethodContract {

    @Override
    protected MergeMethodFactory factory() {
        return new SlerpMergeFactory();
    }

    /** The base is the t = 0 end; {@code models()} holds the one other model. */
    @Override
    protected int modelCount() {
        return 1;
    }

    @Override
    protected Map<String, Object> tensorParameters() {
        return Map.of("t", 0.3);
    }

    /** The norms and the dot product are sums over the tensor, accumulated block by block. */
    @Override
    protected int blockSumUlps() {
        return 1;
    }

    private static float[] slerp(double t, float[] base, float[] other) {
        return MergeInvocation.of(new SlerpMergeFactory()).with("t", t).base(base).model(other).run();
    }

    @Test
    void orthogonalUnitVectorsFollowTheArc() {
        // θ = π/2, sin θ = 1: t = 1/2 gives sin(π/4)·(v0 + v1); t = 1/3 gives sin(π/3)·v0 + sin(π/6)·v1.
        assertClose(new double[] {0.70710678, 0.70710678}, slerp(0.5, new float[] {1, 0}, new float[] {0, 1}), 1e-7);
        assertClose(new double[] {0.86602540, 0.5}, slerp(1.0 / 3, new float[] {1, 0}, new float[] {0, 1}), 1e-7);
    }

    @Test
    void weightsApplyToTheOriginalTensorsSoNormsAreKept() {
        // v0 = (2, 0), v1 = (0, 3): same angle π/2, weights sin(π/4) on the un-normalised vectors.
        assertClose(new double[] {2 * 0.70710678, 3 * 0.70710678}, slerp(0.5, new float[] {2, 0}, new float[] {0, 3}),
                1e-6);
    }

    @Test
    void aZeroVectorIsNotNormalised() {
        // ‖v0‖ = 0 ≤ 1e-8: v0 stays 0, d = 0, θ = π/2, result = sin(π/4)·v1.
        assertClose(new double[] {0, 0.70710678}, slerp(0.5, new float[] {0, 0}, new float[] {0, 1}), 1e-7);
    }

    @Test
    void endpointsAreReturnedExactly() {
        SplittableRandom random = new SplittableRandom(7);
        float[] v0 = gaussian(random, 300, 0.02);
        float[] v1 = gaussian(random, 300, 0.02);
        float[] atZero = slerp(0, v0, v1);
        assertArrayEquals(v0, atZero);
        assertNotSame(v0, atZero);
        assertArrayEquals(v1, slerp(1, v0, v1));
        // and on the lerp path (parallel inputs)
        float[] twice = ArrayTolerance.scaled(v0, 2);
        assertArrayEquals(v0, slerp(0, v0, twice));
        assertArrayEquals(twice, slerp(1, v0, twice));
    }

    @Test
    void parallelAndAntiparallelVectorsTakeTheLerpPath() {
        SplittableRandom random = new SplittableRandom(8);
        float[] v = gaussian(random, 64, 1);
        for (float factor : new float[] {2f, 0.5f, -1f, -3f}) {
            float[] w = ArrayTolerance.scaled(v, factor);
            double t = 0.3;
            double[] lerp = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                lerp[i] = (1 - t) * v[i] + t * w[i];
            }
            assertClose(lerp, slerp(t, v, w), 1e-6);
        }
    }

    @Test
    void theColinearityThresholdIsCheckedBothWays() {
        // Unit vectors at cos θ = 0.9996 (above 0.9995: lerp, the midpoint is shorter than 1) and cos θ = 0.9994
        // (below: slerp, the midpoint stays on the unit circle).
        for (double cos : new double[] {0.9996, 0.9994}) {
            float[] v0 = {1, 0};
            float[] v1 = {(float) cos, (float) Math.sqrt(1 - cos * cos)};
            float[] mid = slerp(0.5, v0, v1);
            double norm = Math.hypot(mid[0], mid[1]);
            if (cos > SphericalInterpolation.DOT_THRESHOLD) {
                assertClose(new double[] {(v0[0] + v1[0]) / 2.0, (v0[1] + v1[1]) / 2.0}, mid, 1e-7);
                assertTrue(norm < 0.99995, "lerp midpoint norm " + norm);
            } else {
                assertTrue(Math.abs(norm - 1) < 1e-6, "slerp midpoint norm " + norm);
            }
        }
    }

    @Test
    void agreesWithADoublePrecisionRecomputation() {
        SplittableRandom random = new SplittableRandom(9);
        float[] v0 = gaussian(random, 1000, 0.05);
        float[] v1 = ArrayTolerance.plus(ArrayTolerance.scaled(v0, 0.8f), gaussian(random, 1000, 0.03));
        for (double t : new double[] {0.1, 0.5, 0.77, 1.2}) {
            double n0 = 0;
            double n1 = 0;
            double dot = 0;
            for (int i = 0; i < v0.length; i++) {
                n0 += (double) v0[i] * v0[i];
                n1 += (double) v1[i] * v1[i];
                dot += (double) v0[i] * v1[i];
            }
            double theta = Math.acos(dot / Math.sqrt(n0 * n1));
            double[] expected = new double[v0.length];
            for (int i = 0; i < v0.length; i++) {
                expected[i] = (Math.sin((1 - t) * theta) * v0[i] + Math.sin(t * theta) * v1[i]) / Math.sin(theta);
            }
            assertClose(expected, slerp(t, v0, v1), 1e-7);
        }
    }

    @Test
    void aTensorOnlyTheBaseHasIsReturnedUnchanged() {
        float[] base = {1, 2, 3};
        float[] merged = MergeInvocation.of(new SlerpMergeFactory()).with("t", 0.5).base(base).run();
        assertArrayEquals(base, merged);
        assertNotSame(base, merged);
    }

    @Test
    void refusesAMissingBaseOrAnotherNumberOfModels() {
        MergeInvocation.of(new SlerpMergeFactory()).with("t", 0.5).model(new float[] {1}).model(new float[] {2})
                .refused();
        MergeInvocation.of(new SlerpMergeFactory()).with("t", 0.5).base(new float[] {1}).model(new float[] {2})
                .model(new float[] {3}).refused();
    }
}
