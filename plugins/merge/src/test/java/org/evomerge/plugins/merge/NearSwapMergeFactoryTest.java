package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.ArrayTolerance.assertClose;
import static org.evomerge.plugins.merge.ArrayTolerance.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Map;
import java.util.SplittableRandom;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/** The merge-method contract plus hand-worked and property cases of {@code nearswap} (ALGORITHMS.md B.11). */
class NearSwapMergeFactoryTest extends MergeMethodContract {

    @Override
    protected MergeMethodFactory factory() {
        return new NearSwapMergeFactory();
    }

    @Override
    protected int modelCount() {
        return 1;
    }

    @Override
    protected Map<String, Object> tensorParameters() {
        return Map.of("t", 0.01);
    }

    private static float[] nearswap(double t, float[] base, float[] other) {
        return MergeInvocation.of(new NearSwapMergeFactory()).with("t", t).base(base).model(other).run();
    }

    @Test
    void swapsCloseValuesAndMovesFarOnesPartWay() {
        // t = 0.1, a = 0: |Δ| = 0.05 → w = 1 (b); 0.2 → w = 0.5 → 0.1; 1 → w = 0.1 → −0.1; 0 → w = 1 (b = a).
        float[] merged = nearswap(0.1, new float[] {0, 0, 0, 1}, new float[] {0.05f, 0.2f, -1, 1});
        assertClose(new double[] {0.05, 0.1, -0.1, 1}, merged, 1e-7);
    }

    @Test
    void tendsToTheBaseAsTGoesToZero() {
        SplittableRandom random = new SplittableRandom(15);
        float[] a = gaussian(random, 200, 1);
        float[] b = ArrayTolerance.plus(a, gaussian(random, 200, 0.1));
        assertArrayEquals(a, nearswap(0, a, b));
        assertClose(a, nearswap(1e-12, a, b), 1e-9);
        assertArrayEquals(b, nearswap(1e6, a, b));
    }

    @Test
    void refusesOtherModelCounts() {
        MergeInvocation.of(new NearSwapMergeFactory()).with("t", 0.1).base(new float[] {1}).model(new float[] {2})
                .model(new float[] {3}).refused();
        MergeInvocation.of(new NearSwapMergeFactory()).with("t", 0.1).model(new float[] {2}).refused();
    }
}
