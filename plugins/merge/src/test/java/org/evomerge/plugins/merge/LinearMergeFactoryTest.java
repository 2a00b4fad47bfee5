package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.ArrayTolerance.assertClose;
import static org.evomerge.plugins.merge.ArrayTolerance.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.SplittableRandom;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/** The merge-method contract plus hand-worked and property cases of {@code linear}. */
class LinearMergeFactoryTest extends MergeMethodContract {

    @Override
    protected MergeMethodFactory factory() {
        return new LinearMergeFactory();
    }

    @Override
    protected Map<String, Object> perModelParameters(int modelIndex) {
        return Map.of("weight", 0.5 + modelIndex);
    }

    private static MergeInvocation linear() {
        return MergeInvocation.of(new LinearMergeFactory());
    }

    @Test
    void normalisesByTheWeightSumByDefault() {
        // (1·[1, 2] + 3·[3, 4]) / 4 = [10, 14] / 4 = [2.5, 3.5]
        float[] merged = linear().model(new float[] {1, 2}, Map.of("weight", 1.0))
                .model(new float[] {3, 4}, Map.of("weight", 3.0)).run();
        assertArrayEquals(new float[] {2.5f, 3.5f}, merged);
    }

    @Test
    void keepsTheWeightsAsGivenWithoutNormalize() {
        // 0.5·[2, 4] + 0.25·[4, 8] = [1 + 1, 2 + 2] = [2, 4]
        float[] merged = linear().with("normalize", false).model(new float[] {2, 4}, Map.of("weight", 0.5))
                .model(new float[] {4, 8}, Map.of("weight", 0.25)).run();
        assertArrayEquals(new float[] {2, 4}, merged);
    }

    @Test
    void weightsSummingToZeroDivideByOne() {
        // Σw = 1 − 1 = 0: the divisor is 1, so the result is [3, 5] − [1, 2] = [2, 3] (mergekit: inf/NaN).
        float[] merged = linear().model(new float[] {3, 5}, Map.of("weight", 1.0))
                .model(new float[] {1, 2}, Map.of("weight", -1.0)).run();
        assertArrayEquals(new float[] {2, 3}, merged);
    }

    @Test
    void oneModelIsTheIdentity() {
        float[] x = gaussian(new SplittableRandom(1), 257, 0.02);
        for (double w : new double[] {1.0, 0.7, 3.0, -2.5}) {
            float[] merged = linear().model(x, Map.of("weight", w)).run();
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], merged[i], Math.ulp(x[i]) * 2, "weight " + w + ", element " + i);
            }
        }
        assertArrayEquals(x, linear().model(x, Map.of("weight", 1.0)).run());
    }

    @Test
    void normalisedWeightsAreScaleInvariant() {
        SplittableRandom random = new SplittableRandom(2);
        float[][] x = {gaussian(random, 100, 1), gaussian(random, 100, 1), gaussian(random, 100, 1)};
        double[] w = {0.2, 0.5, 0.3};
        float[] reference = run(x, w, 1);
        // a power of two scales exactly; another factor within float32 rounding
        assertArrayEquals(reference, run(x, w, 4));
        assertClose(reference, run(x, w, 7.3), 1e-6);
    }

    private static float[] run(float[][] x, double[] w, double factor) {
        MergeInvocation call = linear();
        for (int m = 0; m < x.length; m++) {
            call.model(x[m], Map.of("weight", w[m] * factor));
        }
        return call.run();
    }

    @Test
    void agreesWithADoublePrecisionRecomputation() {
        SplittableRandom random = new SplittableRandom(3);
        float[][] x = {gaussian(random, 500, 0.1), gaussian(random, 500, 0.1), gaussian(random, 500, 0.1)};
        double[] w = {0.9, -0.2, 0.45};
        for (boolean normalize : new boolean[] {true, false}) {
            MergeInvocation call = linear().with("normalize", normalize);
            for (int m = 0; m < x.length; m++) {
                call.model(x[m], Map.of("weight", w[m]));
            }
            double[] expected = new double[500];
            for (int i = 0; i < 500; i++) {
                for (int m = 0; m < 3; m++) {
                    expected[i] += w[m] * x[m][i];
                }
                if (normalize) {
                    expected[i] /= w[0] + w[1] + w[2];
                }
            }
            assertClose(expected, call.run(), 1e-6);
        }
    }

    @Test
    void refusesATensorWithoutModels() {
        linear().base(new float[] {1}).refused();
    }
}
