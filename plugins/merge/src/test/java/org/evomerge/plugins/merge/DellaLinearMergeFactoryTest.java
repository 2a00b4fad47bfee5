package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.GtaInputs.assertMerged;
import static org.evomerge.plugins.merge.GtaInputs.floats;
import static org.evomerge.plugins.merge.GtaInputs.plus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.tensor.Shape;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/**
 * Hand-worked DELLA cases with scripted uniforms. Shape [2, 4] (2 rows of C = 4), density 0.5, epsilon 0.2, so the
 * keep probability by ascending rank 0..3 within a row is 0.3, 0.4333, 0.5667, 0.7.
 *
 * <pre>
 * δA = [1, -4, 2, 3 | -0.5, 0.25, 2, 1]                 wA = 1
 *   row 0 ranks: i0 0, i2 1, i3 2, i1 3;   row 1: i5 0, i4 1, i7 2, i6 3
 *   uA = [0.35, 0.65, 0.40, 0.55 | 0.2, 0.5, 0.69, 0.6]
 *   i0 .35 ≥ .3 drop; i1 .65 &lt; .7 keep; i2 .40 &lt; .4333 keep; i3 .55 &lt; .5667 keep;
 *   i4 .2 &lt; .4333 keep; i5 .5 ≥ .3 drop; i6 .69 &lt; .7 keep; i7 .6 ≥ .5667 drop
 *   kept A = [0, -4, 2, 3, -0.5, 0, 2, 0]; L1 13.75 → 11.5
 * δB = [-2, 1, 1, -1 | 3, -1, 0.5, 2]                   wB = 0.5
 *   row 0: |δ| 2, 1, 1, 1 → the tied 1s rank i3 0, i2 1, i1 2 (lower index ranks higher), i0 3
 *   row 1: i6 0, i5 1, i7 2, i4 3
 *   uB = [0.68, 0.56, 0.45, 0.1 | 0.71, 0.43, 0.31, 0.5]
 *   i0 .68 &lt; .7 keep; i1 .56 &lt; .5667 keep; i2 .45 ≥ .4333 drop; i3 .1 &lt; .3 keep;
 *   i4 .71 ≥ .7 drop; i5 .43 &lt; .4333 keep; i6 .31 ≥ .3 drop; i7 .5 &lt; .5667 keep
 *   kept B = [-2, 1, 0, -1, 0, -1, 0, 2]; L1 11.5 → 7
 * </pre>
 */
class DellaLinearMergeFactoryTest extends MergeMethodContract {

    static final Shape SHAPE = Shape.of(2, 4);
    static final float[] BASE = floats(0, 1, 0, 1, 0, 1, 0, 1);
    static final float[] A = plus(BASE, 1, -4, 2, 3, -0.5, 0.25, 2, 1);
    static final float[] B = plus(BASE, -2, 1, 1, -1, 3, -1, 0.5, 2);
    static final double[][] U = {{0.35, 0.65, 0.40, 0.55, 0.2, 0.5, 0.69, 0.6},
            {0.68, 0.56, 0.45, 0.1, 0.71, 0.43, 0.31, 0.5}};
    static final List<Map<String, ?>> PRUNED = params(0.5, 0.2);
    static final double SA = 13.75 / 11.5;
    static final double SB = 11.5 / 7;

    static List<Map<String, ?>> params(double density, double epsilon) {
        return List.of(Map.of("weight", 1.0, "density", density, "epsilon", epsilon),
                Map.of("weight", 0.5, "density", density, "epsilon", epsilon));
    }

    @Override
    protected MergeMethodFactory factory() {
        return new DellaLinearMergeFactory();
    }

    @Override
    protected Map<String, Object> perModelParameters(int modelIndex) {
        return Map.of("weight", 0.3 + 0.2 * modelIndex, "density", 0.5);
    }

    private float[] merge(Map<String, ?> options, List<Map<String, ?>> perModel) {
        return GtaInputs.of(factory(), options).merge(SHAPE, BASE, List.of(A, B), perModel, U);
    }

    @Test
    void rankedPruningWithL1Rescale() {
        // SA·keptA + 0.5·SB·keptB
        double b = 0.5 * SB;
        assertMerged(BASE, new double[] {-2 * b, -4 * SA + b, 2 * SA, 3 * SA - b, -0.5 * SA, -b, 2 * SA, 2 * b},
                merge(Map.of(), PRUNED));
    }

    @Test
    void withoutRescale() {
        // keptA + 0.5·keptB
        assertMerged(BASE, new double[] {-1, -3.5, 2, 2.5, -0.5, -0.5, 2, 1}, merge(Map.of("rescale", false), PRUNED));
    }

    @Test
    void normalizeAndLambda() {
        // (keptA + 0.5·keptB) / 1.5 · -2
        assertMerged(BASE, scaled(new double[] {-1, -3.5, 2, 2.5, -0.5, -0.5, 2, 1}, -2 / 1.5),
                merge(Map.of("rescale", false, "normalize", true, "lambda", -2.0), PRUNED));
    }

    private static double[] scaled(double[] values, double factor) {
        double[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= factor;
        }
        return out;
    }

    @Test
    void oneDimensionalTensorIsASingleRow() {
        // Shape [8], model A alone (w 1), density 0.5, epsilon 0.2: p = 0.3 + 0.4·rank/7.
        // |δA| = 1, 4, 2, 3, 0.5, 0.25, 2, 1 → ranks: i5 0, i4 1, i7 2, i0 3, i6 4, i2 5, i3 6, i1 7
        // p:  i0 .4714, i1 .7, i2 .5857, i3 .6429, i4 .3571, i5 .3, i6 .5286, i7 .4143
        // u = [.45, .69, .55, .65, .35, .31, .55, .45] → keep i0, i1, i2, i4 (ties: i0 kept but i7 not, i2 but not i6)
        // kept = [1, -4, 2, 0, -0.5, 0, 0, 0]; L1 13.75 → 7.5
        double[][] u = {{0.45, 0.69, 0.55, 0.65, 0.35, 0.31, 0.55, 0.45}};
        float[] merged = GtaInputs.of(factory()).merge(Shape.of(8), BASE, List.of(A),
                List.of(Map.of("weight", 1.0, "density", 0.5, "epsilon", 0.2)), u);
        double s = 13.75 / 7.5;
        assertMerged(BASE, new double[] {s, -4 * s, 2 * s, 0, -0.5 * s, 0, 0, 0}, merged);
    }

    @Test
    void singleColumnRowsUseTheMiddleRank() {
        // Shape [4, 1]: each row has C = 1, r̂ = 0.5, p = density = 0.5 (mergekit: 0/0 = NaN)
        // δ = [1, -2, 3, 4], u = [0.49, 0.5, 0.1, 0.99] → keep i0, i2; L1 10 → 4
        float[] base = floats(0, 0, 0, 0);
        float[] model = floats(1, -2, 3, 4);
        float[] merged = GtaInputs.of(factory()).merge(Shape.of(4, 1), base, List.of(model),
                List.of(Map.of("weight", 1.0, "density", 0.5, "epsilon", 0.2)),
                new double[][] {{0.49, 0.5, 0.1, 0.99}});
        assertArrayEquals(floats(2.5, 0, 7.5, 0), merged);
    }

    @Test
    void densityZeroIsTheBaseAndDensityOneIsTaskArithmetic() {
        assertArrayEquals(BASE, merge(Map.of(), params(0.0, 0.2)));
        // δA + 0.5·δB
        assertMerged(BASE, new double[] {0, -3.5, 2.5, 2.5, 1, -0.25, 2.25, 2}, merge(Map.of(), params(1.0, 0.2)));
    }

    @Test
    void epsilonOutsideTheOpenUnitIntervalIsAConfigurationError() {
        for (List<Map<String, ?>> bad : List.of(params(0.1, 0.15), params(0.9, 0.15), params(0.5, 0.5))) {
            EvomergeException e = assertThrows(EvomergeException.class, () -> merge(Map.of(), bad));
            assertEquals(ErrorCategory.CONFIGURATION, e.category());
            assertTrue(e.getMessage().contains("epsilon") && e.getMessage().contains(GtaInputs.TENSOR), e.getMessage());
        }
    }
}
