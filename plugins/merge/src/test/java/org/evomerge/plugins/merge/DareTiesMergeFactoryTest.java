package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.GtaInputs.assertMerged;
import static org.evomerge.plugins.merge.GtaInputs.plus;

import java.util.List;
import java.util.Map;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.tensor.Shape;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/**
 * Hand-worked DARE-TIES cases with scripted uniforms (consensus options are worked in {@link ConsensusOptionsTest}):
 *
 * <pre>
 * base = [0.5, -1, 2, 1], density 0.5, wA = 0.5, wB = 1
 * δA = [ 1, -2,  3,  4]   uA = [0.1, 0.6, 0.4, 0.9]  → [1, 0, 3, 0];     l1 scale 10/4 = 2.5
 * δB = [-2,  2, -1, -1]   uB = [0.7, 0.2, 0.3, 0.45] → [0, 2, -1, -1];  l1 scale 6/4 = 1.5
 * l1:      A' = [1.25, 0, 3.75, 0]   B' = [0, 3, -1.5, -1.5]   S = [1.25, 3, 2.25, -1.5] → + + + -
 * inverse: A' = [1, 0, 3, 0]         B' = [0, 4, -2, -2]       S = [1, 4, 1, -2]         → + + + -
 * none:    A' = [0.5, 0, 1.5, 0]     B' = [0, 2, -1, -1]       S = [0.5, 2, 0.5, -1]     → + + + -
 * </pre>
 * At i2 only A agrees, at i3 only B.
 */
class DareTiesMergeFactoryTest extends MergeMethodContract {

    static final float[] BASE = DareLinearMergeFactoryTest.BASE;
    static final float[] A = DareLinearMergeFactoryTest.A;
    static final float[] B = plus(BASE, -2, 2, -1, -1);

    @Override
    protected MergeMethodFactory factory() {
        return new DareTiesMergeFactory();
    }

    @Override
    protected Map<String, Object> perModelParameters(int modelIndex) {
        return Map.of("weight", 0.3 + 0.2 * modelIndex, "density", 0.5);
    }

    /** The L1 rescale divides norms summed over the tensor, accumulated block by block. */
    @Override
    protected int blockSumUlps() {
        return 1;
    }

    private float[] merge(Map<String, ?> options) {
        return GtaInputs.of(factory(), options).merge(Shape.of(4), BASE, List.of(A, B),
                DareLinearMergeFactoryTest.HALF, DareLinearMergeFactoryTest.U);
    }

    @Test
    void l1RescaleSumOfAgreeingDeltas() {
        assertMerged(BASE, new double[] {1.25, 3, 3.75, -1.5}, merge(Map.of()));
    }

    @Test
    void normalizeDividesByAgreeingWeights() {
        // [1.25/0.5, 3/1, 3.75/0.5, -1.5/1]
        assertMerged(BASE, new double[] {2.5, 3, 7.5, -1.5}, merge(Map.of("normalize", true)));
    }

    @Test
    void inverseDensityRescale() {
        assertMerged(BASE, new double[] {1, 4, 3, -2}, merge(Map.of("dare_rescale", "inverse_density")));
    }

    @Test
    void noRescale() {
        assertMerged(BASE, new double[] {0.5, 2, 1.5, -1}, merge(Map.of("rescale", false)));
    }

    @Test
    void lambda() {
        assertMerged(BASE, new double[] {-1.25, -3, -3.75, 1.5}, merge(Map.of("lambda", -1.0)));
    }
}
