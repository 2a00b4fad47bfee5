package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.ArrayTolerance.assertClose;
import static org.evomerge.plugins.merge.ArrayTolerance.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/** The merge-method contract plus hand-worked and property cases of {@code model_stock} (ALGORITHMS.md B.10). */
class ModelStockMergeFactoryTest extends MergeMethodContract {

    @Override
    protected MergeMethodFactory factory() {
        return new ModelStockMergeFactory();
    }

    private static MergeInvocation stock(float[] base, float[]... models) {
        MergeInvocation call = MergeInvocation.of(new ModelStockMergeFactory()).base(base);
        for (float[] m : models) {
            call.model(m);
        }
        return call;
    }

    @Test
    void parallelOffsetsGiveTheAverage() {
        // N = 2, o = (1, 0) and (2, 0): cos θ = 1, t = 2/(1 + 1) = 1: the average (1.5, 0).
        assertArrayEquals(new float[] {1.5f, 0}, stock(new float[2], new float[] {1, 0}, new float[] {2, 0}).run());
    }

    @Test
    void orthogonalOffsetsGiveTheBase() {
        // cos θ = 0: t = 0.
        assertArrayEquals(new float[] {1, 1}, stock(new float[] {1, 1}, new float[] {2, 1}, new float[] {1, 2}).run());
    }

    @Test
    void anAngleOfFortyFiveDegrees() {
        // o = (1, 0), (1, 1): cos θ = 1/√2, t = 2c/(1 + c) = 0.82842712; average (1, 0.5).
        double c = 1 / Math.sqrt(2);
        double t = 2 * c / (1 + c);
        assertClose(new double[] {t, 0.5 * t}, stock(new float[2], new float[] {1, 0}, new float[] {1, 1}).run(), 1e-7);
    }

    @Test
    void threeModelsUseTheMeanPairwiseCosine() {
        // o = (1,0,0), (0,1,0), (1,1,0): cosines 0, 1/√2, 1/√2 → mean √2/3; t = 3c/(1 + 2c); average (2/3, 2/3, 0).
        double c = Math.sqrt(2) / 3;
        double t = 3 * c / (1 + 2 * c);
        assertClose(new double[] {t * 2 / 3, t * 2 / 3, 0},
                stock(new float[3], new float[] {1, 0, 0}, new float[] {0, 1, 0}, new float[] {1, 1, 0}).run(), 1e-7);
    }

    @Test
    void aDegenerateDenominatorGivesTheBase() {
        // N = 2, antiparallel offsets: cos θ = −1, 1 + (N − 1)·cos θ = 0 → t = 0.
        float[] base = {3, 4};
        assertArrayEquals(base, stock(base, new float[] {4, 4}, new float[] {2, 4}).run());
    }

    @Test
    void filterWiseComputesOneFactorPerRow() {
        // base 0; rows of the offsets: row 0 (1, 0) and (2, 0): t = 1 → (1.5, 0); row 1 (1, 0) and (0, 1): t = 0 → 0.
        float[] a = {1, 0, 1, 0};
        float[] b = {2, 0, 0, 1};
        assertArrayEquals(new float[] {1.5f, 0, 0, 0},
                stock(new float[4], a, b).shape(2, 2).with("filter_wise", true).run());
        // per tensor: cos θ = 2/(√2·√5), t = 2c/(1 + c), times the average [[1.5, 0], [0.5, 0.5]]
        double c = 2 / Math.sqrt(10);
        double t = 2 * c / (1 + c);
        assertClose(new double[] {1.5 * t, 0, 0.5 * t, 0.5 * t}, stock(new float[4], a, b).shape(2, 2).run(), 1e-7);
    }

    @Test
    void twoModelsAreSymmetric() {
        SplittableRandom random = new SplittableRandom(14);
        float[] base = gaussian(random, 300, 1);
        float[] a = ArrayTolerance.plus(base, gaussian(random, 300, 0.1));
        float[] b = ArrayTolerance.plus(base, gaussian(random, 300, 0.1));
        for (boolean filterWise : new boolean[] {false, true}) {
            assertArrayEquals(stock(base, a, b).shape(20, 15).with("filter_wise", filterWise).run(),
                    stock(base, b, a).shape(20, 15).with("filter_wise", filterWise).run());
        }
    }

    @Test
    void fewerThanTwoModelsIsAnError() {
        stock(new float[] {1}, new float[] {2}).refused();
        MergeInvocation.of(new ModelStockMergeFactory()).model(new float[] {1}).model(new float[] {2}).refused();
    }

    @Test
    void aTensorOnlyTheBaseHasIsReturnedUnchanged() {
        float[] base = {1, 2};
        assertArrayEquals(base, stock(base).run());
    }
}
