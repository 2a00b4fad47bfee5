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
 * Hand-worked DARE cases with scripted uniforms (element i of model m is kept iff u[m][i] &lt; density):
 *
 * <pre>
 * base = [0.5, -1, 2, 1], density 0.5
 * δA = [ 1, -2, 3,  4]   uA = [0.1, 0.6, 0.4, 0.9]  → keep i0, i2 → [1, 0, 3, 0];  L1 10 → 4: l1 scale 2.5
 * δB = [-2,  2, 1, -1]   uB = [0.7, 0.2, 0.3, 0.45] → keep i1, i2, i3 → [0, 2, 1, -1]; L1 6 → 4: l1 scale 1.5
 * wA = 0.5, wB = 1; inverse_density scale = 1/0.5 = 2
 * </pre>
 */
class DareLinearMergeFactoryTest extends MergeMethodContract {

    static final float[] BASE = floats(0.5, -1, 2, 1);
    static final float[] A = plus(BASE, 1, -2, 3, 4);
    static final float[] B = plus(BASE, -2, 2, 1, -1);
    static final double[][] U = {{0.1, 0.6, 0.4, 0.9}, {0.7, 0.2, 0.3, 0.45}};
    static final List<Map<String, ?>> HALF = List.of(Map.of("weight", 0.5, "density", 0.5),
            Map.of("weight", 1.0, "density", 0.5));

    @Override
    protected MergeMethodFactory factory() {
        return new DareLinearMergeFactory();
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

    private float[] merge(Map<String, ?> options, List<Map<String, ?>> perModel) {
        return GtaInputs.of(factory(), options).merge(org.evomerge.api.tensor.Shape.of(4), BASE, List.of(A, B),
                perModel, U);
    }

    @Test
    void l1RescaleByDefault() {
        // 0.5·2.5·[1, 0, 3, 0] + 1.5·[0, 2, 1, -1] = [1.25, 3, 3.75 + 1.5, -1.5]
        assertMerged(BASE, new double[] {1.25, 3, 5.25, -1.5}, merge(Map.of(), HALF));
    }

    @Test
    void inverseDensityRescale() {
        // 0.5·2·[1, 0, 3, 0] + 2·[0, 2, 1, -1] = [1, 4, 3 + 2, -2]
        assertMerged(BASE, new double[] {1, 4, 5, -2}, merge(Map.of("dare_rescale", "inverse_density"), HALF));
    }

    @Test
    void noRescale() {
        // 0.5·[1, 0, 3, 0] + [0, 2, 1, -1] = [0.5, 2, 2.5, -1]; the option is irrelevant then
        assertMerged(BASE, new double[] {0.5, 2, 2.5, -1}, merge(Map.of("rescale", false), HALF));
        assertMerged(BASE, new double[] {0.5, 2, 2.5, -1},
                merge(Map.of("rescale", false, "dare_rescale", "inverse_density"), HALF));
    }

    @Test
    void normalizeAndLambda() {
        // [1.25, 3, 5.25, -1.5] / 1.5 · 2
        assertMerged(BASE, new double[] {1.25 / 1.5 * 2, 4, 7, -2},
                merge(Map.of("normalize", true, "lambda", 2.0), HALF));
    }

    @Test
    void densityOneIsTaskArithmeticAndDensityZeroTheBase() {
        // 0.5·[1, -2, 3, 4] + [-2, 2, 1, -1] = [-1.5, 1, 2.5, 1]
        assertMerged(BASE, new double[] {-1.5, 1, 2.5, 1},
                merge(Map.of(), List.of(Map.of("weight", 0.5), Map.of("weight", 1.0))));
        assertArrayEquals(BASE, merge(Map.of(), List.of(Map.of("weight", 0.5, "density", 0.0),
                Map.of("weight", 1.0, "density", 0.0))));
        assertArrayEquals(BASE, merge(Map.of("dare_rescale", "inverse_density"), List.of(
                Map.of("weight", 0.5, "density", 0.0), Map.of("weight", 1.0, "density", 0.0))));
    }
}
