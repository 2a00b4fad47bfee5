package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.GtaInputs.assertMerged;
import static org.evomerge.plugins.merge.GtaInputs.floats;
import static org.evomerge.plugins.merge.GtaInputs.plus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import java.util.Map;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/**
 * Hand-worked Breadcrumbs cases, n = 8:
 *
 * <pre>
 * δA = [0.5, -6,  2, 1, -3,  0.25, 4, -1.5]   wA = 1
 *      magnitude order (|δ| desc, ties: lower index first): i1 6, i6 4, i4 3, i2 2, i7 1.5, i3 1, i0 0.5, i5 0.25
 * δB = [1,    1, -2, 5,  0.5, -1,  3,  2  ]   wB = 0.5
 *      magnitude order: i3 5, i6 3, i2 2, i7 2, i0 1, i1 1, i5 1, i4 0.5
 * density 0.5, gamma 0.125: target 4, n_top 1, n_bot 3 → keep positions [1, 5)
 *      A → i6, i4, i2, i7: [0, 0, 2, 0, -3, 0, 4, -1.5]
 *      B → i6, i2, i7, i0: [1, 0, -2, 0, 0, 0, 3, 2]   (of the tied 1s, i0 is kept, i1 and i5 dropped)
 * </pre>
 */
class BreadcrumbsMergeFactoryTest extends MergeMethodContract {

    static final float[] BASE = floats(0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5);
    static final float[] A = plus(BASE, 0.5, -6, 2, 1, -3, 0.25, 4, -1.5);
    static final float[] B = plus(BASE, 1, 1, -2, 5, 0.5, -1, 3, 2);
    static final List<Map<String, ?>> TRIMMED = params(0.5, 0.125);

    static List<Map<String, ?>> params(double density, double gamma) {
        return List.of(Map.of("weight", 1.0, "density", density, "gamma", gamma),
                Map.of("weight", 0.5, "density", density, "gamma", gamma));
    }

    @Override
    protected MergeMethodFactory factory() {
        return new BreadcrumbsMergeFactory();
    }

    @Override
    protected Map<String, Object> perModelParameters(int modelIndex) {
        return Map.of("weight", 0.3 + 0.2 * modelIndex, "density", 0.5, "gamma", 0.05);
    }

    private float[] merge(Map<String, ?> options, List<Map<String, ?>> perModel) {
        return GtaInputs.of(factory(), options).merge(BASE, List.of(A, B), perModel);
    }

    @Test
    void dropsOutliersAndSmallValues() {
        // A + 0.5·B = [0.5, 0, 2 - 1, 0, -3, 0, 4 + 1.5, -1.5 + 1]
        assertMerged(BASE, new double[] {0.5, 0, 1, 0, -3, 0, 5.5, -0.5}, merge(Map.of(), TRIMMED));
    }

    @Test
    void normalize() {
        assertMerged(BASE, new double[] {0.5 / 1.5, 0, 1 / 1.5, 0, -2, 0, 5.5 / 1.5, -0.5 / 1.5},
                merge(Map.of("normalize", true), TRIMMED));
    }

    @Test
    void rescale() {
        // L1: A 18.25 → 10.5, B 15.5 → 8
        double sa = 18.25 / 10.5;
        double sb = 0.5 * 15.5 / 8;
        assertMerged(BASE, new double[] {sb, 0, 2 * sa - 2 * sb, 0, -3 * sa, 0, 4 * sa + 3 * sb, -1.5 * sa + 2 * sb},
                merge(Map.of("rescale", true), TRIMMED));
    }

    @Test
    void lambda() {
        assertMerged(BASE, new double[] {1.5, 0, 3, 0, -9, 0, 16.5, -1.5}, merge(Map.of("lambda", 3.0), TRIMMED));
    }

    @Test
    void gammaZeroKeepsTheLargestInsteadOfZeroingTheTensor() {
        // n_top = 0, n_bot = 4 → positions [0, 4): A → i1, i6, i4, i2; B → i3, i6, i2, i7
        // A + 0.5·B = [0, -6, 2 - 1, 2.5, -3, 0, 4 + 1.5, 1]   (mergekit returns the base here: a bug)
        assertMerged(BASE, new double[] {0, -6, 1, 2.5, -3, 0, 5.5, 1}, merge(Map.of(), params(0.5, 0.0)));
        // gamma·n = 0.08 < 1 is the same case
        assertMerged(BASE, new double[] {0, -6, 1, 2.5, -3, 0, 5.5, 1}, merge(Map.of(), params(0.5, 0.01)));
    }

    @Test
    void gammaLargerThanTheRoomLeftShrinksTheOutlierCut() {
        // gamma 0.75: n_top 6, n_bot = 8 - 4 - 6 = -2 → n_top 4, n_bot 0 → positions [4, 8)
        // A → i7, i3, i0, i5: [0.5, 0, 0, 1, 0, 0.25, 0, -1.5];  B → i0, i1, i5, i4: [1, 1, 0, 0, 0.5, -1, 0, 0]
        assertMerged(BASE, new double[] {1, 0.5, 0, 1, 0.25, -0.25, 0, -1.5}, merge(Map.of(), params(0.5, 0.75)));
    }

    @Test
    void densityOneIsTaskArithmeticAndNoTargetIsTheBase() {
        assertMerged(BASE, new double[] {1, -5.5, 1, 3.5, -2.75, -0.25, 5.5, -0.5},
                merge(Map.of(), params(1.0, 0.125)));
        // density 0.1: target 0 → nothing kept
        assertArrayEquals(BASE, merge(Map.of(), params(0.1, 0.125)));
    }
}
