package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.ArrayTolerance.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Map;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/** The merge-method contract plus hand-worked cases of {@code nuslerp} (ALGORITHMS.md B.4). */
class NuSlerpMergeFactoryTest extends MergeMethodContract {

    private static final double SIN_PI_8 = Math.sin(Math.PI / 8);
    private static final double SIN_3PI_8 = Math.sin(3 * Math.PI / 8);
    private static final double SIN_PI_4 = Math.sin(Math.PI / 4);

    @Override
    protected MergeMethodFactory factory() {
        return new NuSlerpMergeFactory();
    }

    @Override
    protected Map<String, Object> perModelParameters(int modelIndex) {
        return Map.of("weight", 1.0 + 2 * modelIndex);
    }

    private static MergeInvocation nuslerp(double w1, double w2, float[] a, float[] b) {
        return MergeInvocation.of(new NuSlerpMergeFactory()).model(a, Map.of("weight", w1))
                .model(b, Map.of("weight", w2));
    }

    @Test
    void theFactorIsTheSecondWeightsShare() {
        // w = (1, 1): t = 1/2, θ = π/2: sin(π/4)·(a + b). w = (1, 3): t = 3/4: sin(π/8)·a + sin(3π/8)·b.
        float[] a = {1, 0};
        float[] b = {0, 1};
        assertClose(new double[] {SIN_PI_4, SIN_PI_4}, nuslerp(1, 1, a, b).run(), 1e-7);
        assertClose(new double[] {SIN_PI_8, SIN_3PI_8}, nuslerp(1, 3, a, b).run(), 1e-7);
        assertClose(new double[] {SIN_PI_8, SIN_3PI_8}, nuslerp(-2, -6, a, b).run(), 1e-7);
    }

    @Test
    void weightsSummingToZeroGiveOneHalf() {
        assertClose(new double[] {SIN_PI_4, SIN_PI_4},
                nuslerp(1, -1, new float[] {1, 0}, new float[] {0, 1}).run(), 1e-7);
    }

    @Test
    void withABaseItInterpolatesTheTaskVectors() {
        // base (1, 1); task vectors (1, 0) and (0, 1): base + sin(π/4)·(1, 1).
        float[] merged = nuslerp(1, 1, new float[] {2, 1}, new float[] {1, 2}).base(new float[] {1, 1}).run();
        assertClose(new double[] {1 + SIN_PI_4, 1 + SIN_PI_4}, merged, 1e-6);
    }

    @Test
    void flattenTreatsTheTensorAsOneVector() {
        // a = (1, 0, 1, 0), b = (0, 1, 1, 0): cos θ = 1/2, θ = π/3, t = 1/2:
        // sin(π/6)/sin(π/3)·(a + b) = 0.57735027·(1, 1, 2, 0)
        double s = Math.sin(Math.PI / 6) / Math.sin(Math.PI / 3);
        float[] merged = nuslerp(1, 1, new float[] {1, 0, 1, 0}, new float[] {0, 1, 1, 0}).shape(2, 2).run();
        assertClose(new double[] {s, s, 2 * s, 0}, merged, 1e-7);
    }

    @Test
    void withoutFlattenEachRowIsInterpolated() {
        // a = [[1, 0], [1, 0]], b = [[0, 1], [1, 0]]. Row 0: orthogonal, sin(π/4)·(1, 1). Row 1: colinear
        // (|sin θ| < 1e-8), lerp of equal rows = (1, 0).
        float[] merged = nuslerp(1, 1, new float[] {1, 0, 1, 0}, new float[] {0, 1, 1, 0}).shape(2, 2)
                .with("nuslerp_flatten", false).run();
        assertClose(new double[] {SIN_PI_4, SIN_PI_4, 1, 0}, merged, 1e-7);
    }

    @Test
    void rowWiseInterpolatesSlicesAlongTheFirstDimension() {
        // Same a and b, vectors along the first dimension (columns): column 0: a = (1, 1), b = (0, 1),
        // cos θ = 1/√2, θ = π/4, weights sin(π/8)/sin(π/4) each: 0.5411961·(1, 2). Column 1: a = (0, 0) (norm
        // clamped to 1e-7, cos θ = 0, θ = π/2), b = (1, 0): sin(π/4)·b.
        double s = SIN_PI_8 / SIN_PI_4;
        float[] merged = nuslerp(1, 1, new float[] {1, 0, 1, 0}, new float[] {0, 1, 1, 0}).shape(2, 2)
                .with("nuslerp_flatten", false).with("nuslerp_row_wise", true).run();
        assertClose(new double[] {s, SIN_PI_4, 2 * s, 0}, merged, 1e-7);
    }

    @Test
    void aTensorOnlyOneInputHasIsReturnedUnchanged() {
        float[] x = {1, 2, 3};
        assertArrayEquals(x, MergeInvocation.of(new NuSlerpMergeFactory()).model(x, Map.of("weight", 1.0)).run());
        assertArrayEquals(x, MergeInvocation.of(new NuSlerpMergeFactory()).base(x).run());
    }

    @Test
    void refusesOtherModelCounts() {
        // the base must be distinct from both models: one model plus a base is not enough
        MergeInvocation.of(new NuSlerpMergeFactory()).model(new float[] {1}, Map.of("weight", 1.0))
                .base(new float[] {2}).refused();
        nuslerp(1, 1, new float[] {1}, new float[] {2}).model(new float[] {3}, Map.of("weight", 1.0)).refused();
    }
}
