package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.DellaLinearMergeFactoryTest.BASE;
import static org.evomerge.plugins.merge.DellaLinearMergeFactoryTest.PRUNED;
import static org.evomerge.plugins.merge.DellaLinearMergeFactoryTest.SA;
import static org.evomerge.plugins.merge.DellaLinearMergeFactoryTest.SB;
import static org.evomerge.plugins.merge.GtaInputs.assertMerged;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/**
 * Hand-worked DELLA cases on {@link DellaLinearMergeFactoryTest}'s data and masks (consensus options are worked in
 * {@link ConsensusOptionsTest}):
 *
 * <pre>
 * A' = SA·[0, -4, 2, 3, -0.5, 0, 2, 0]            SA = 13.75/11.5 ≈ 1.196, wA = 1
 * B' = 0.5·SB·[-2, 1, 0, -1, 0, -1, 0, 2]         SB = 11.5/7 ≈ 1.643,  wB = 0.5
 * S signs: - - + + - - + +   (i1: -4.78 + 0.82; i3: 3.59 - 0.82)
 * agreeing: i0 B, i1 A, i2 A, i3 A, i4 A, i5 B, i6 A, i7 B
 * normalized: B's elements divide 0.5·SB·x by 0.5, A's divide SA·x by 1
 * </pre>
 */
class DellaMergeFactoryTest extends MergeMethodContract {

    @Override
    protected MergeMethodFactory factory() {
        return new DellaMergeFactory();
    }

    @Override
    protected Map<String, Object> perModelParameters(int modelIndex) {
        return Map.of("weight", 0.3 + 0.2 * modelIndex, "density", 0.5);
    }

    private float[] merge(Map<String, ?> options, List<Map<String, ?>> perModel) {
        return GtaInputs.of(factory(), options).merge(DellaLinearMergeFactoryTest.SHAPE, BASE,
                List.of(DellaLinearMergeFactoryTest.A, DellaLinearMergeFactoryTest.B), perModel,
                DellaLinearMergeFactoryTest.U);
    }

    @Test
    void defaultsNormalizeAndRescale() {
        assertMerged(BASE, new double[] {-2 * SB, -4 * SA, 2 * SA, 3 * SA, -0.5 * SA, -SB, 2 * SA, 2 * SB},
                merge(Map.of(), PRUNED));
    }

    @Test
    void withoutNormalize() {
        assertMerged(BASE, new double[] {-SB, -4 * SA, 2 * SA, 3 * SA, -0.5 * SA, -0.5 * SB, 2 * SA, SB},
                merge(Map.of("normalize", false), PRUNED));
    }

    @Test
    void withoutRescale() {
        // A' = [0, -4, 2, 3, -0.5, 0, 2, 0], B' = [-1, 0.5, 0, -0.5, 0, -0.5, 0, 1], same agreement
        assertMerged(BASE, new double[] {-2, -4, 2, 3, -0.5, -1, 2, 2}, merge(Map.of("rescale", false), PRUNED));
    }

    @Test
    void lambda() {
        assertMerged(BASE, new double[] {-1, -2, 1, 1.5, -0.25, -0.5, 1, 1},
                merge(Map.of("rescale", false, "lambda", 0.5), PRUNED));
    }

    @Test
    void invalidEpsilonIsAConfigurationError() {
        assertThrows(EvomergeException.class, () -> merge(Map.of(), DellaLinearMergeFactoryTest.params(0.2, 0.2)));
    }
}
