package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.GtaInputs.assertMerged;

import java.util.List;
import java.util.Map;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/**
 * Hand-worked Breadcrumbs-TIES cases on {@link BreadcrumbsMergeFactoryTest}'s data (consensus options are worked in
 * {@link ConsensusOptionsTest}):
 *
 * <pre>
 * A' = [0,   0,  2, 0, -3, 0, 4,   -1.5]   (wA = 1)
 * B' = [0.5, 0, -1, 0,  0, 0, 1.5,  1  ]   (0.5 · trimmed B)
 * S  = [0.5, 0,  1, 0, -3, 0, 5.5, -0.5] → + + + + - + + -
 * agreeing: i0 B; i2 A; i4 A; i6 A and B; i7 A; i1, i3, i5 nobody
 * </pre>
 */
class BreadcrumbsTiesMergeFactoryTest extends MergeMethodContract {

    @Override
    protected MergeMethodFactory factory() {
        return new BreadcrumbsTiesMergeFactory();
    }

    @Override
    protected Map<String, Object> perModelParameters(int modelIndex) {
        return Map.of("weight", 0.3 + 0.2 * modelIndex, "density", 0.5, "gamma", 0.05);
    }

    private float[] merge(Map<String, ?> options, List<Map<String, ?>> perModel) {
        return GtaInputs.of(factory(), options).merge(BreadcrumbsMergeFactoryTest.BASE,
                List.of(BreadcrumbsMergeFactoryTest.A, BreadcrumbsMergeFactoryTest.B), perModel);
    }

    @Test
    void sumOfAgreeingTrimmedDeltas() {
        assertMerged(BreadcrumbsMergeFactoryTest.BASE, new double[] {0.5, 0, 2, 0, -3, 0, 5.5, -1.5},
                merge(Map.of(), BreadcrumbsMergeFactoryTest.TRIMMED));
    }

    @Test
    void normalize() {
        // i0: 0.5/0.5; i6: 5.5/1.5
        assertMerged(BreadcrumbsMergeFactoryTest.BASE, new double[] {1, 0, 2, 0, -3, 0, 5.5 / 1.5, -1.5},
                merge(Map.of("normalize", true), BreadcrumbsMergeFactoryTest.TRIMMED));
    }

    @Test
    void gammaZero() {
        // A = [0, -6, 2, 0, -3, 0, 4, 0]; B' = 0.5·[0, 0, -2, 5, 0, 0, 3, 2] = [0, 0, -1, 2.5, 0, 0, 1.5, 1]
        // S = [0, -6, 1, 2.5, -3, 0, 5.5, 1] → i1 A, i2 A, i3 B, i4 A, i6 both, i7 B
        assertMerged(BreadcrumbsMergeFactoryTest.BASE, new double[] {0, -6, 2, 2.5, -3, 0, 5.5, 1},
                merge(Map.of(), BreadcrumbsMergeFactoryTest.params(0.5, 0.0)));
    }
}
