package org.evomerge.engine.moe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Hand-worked cases of the gate arithmetic: positive minus negative at unit length, and mergekit's degeneracy test. */
class GateVectorsTest {

    @Test
    void anExpertsGateIsItsPromptsVectorMinusItsNegativePromptsVectorAtUnitLength() {
        Map<String, double[]> vectors = Map.of("a", new double[] {3, 4}, "b", new double[] {0, 4},
                "z", new double[] {0, 0});
        MoeMergeConfig.Expert positiveOnly = new MoeMergeConfig.Expert("m", List.of("a"), List.of(), null, null);
        MoeMergeConfig.Expert withNegative = new MoeMergeConfig.Expert("m", List.of("a"), List.of("b"), null, null);
        MoeMergeConfig.Expert zero = new MoeMergeConfig.Expert("m", List.of("z"), List.of(), null, null);
        double[][][] gates = GateVectors.fromPrompts(List.of(positiveOnly, withNegative, zero), 2,
                prompts -> new double[][] {vectors.get(prompts.getFirst()).clone(),
                        vectors.get(prompts.getFirst()).clone()});
        assertArrayEquals(new double[] {0.6, 0.8}, gates[1][0], 1e-15);
        assertArrayEquals(new double[] {1, 0}, gates[1][1], 1e-15, "(3, 4) - (0, 4), normalised");
        assertArrayEquals(new double[] {0, 0}, gates[0][2], 0, "a zero vector stays zero (norm clamped at 1e-8)");
    }

    @Test
    void layersWhoseGateRowsAreNearlyDependentAreDegenerate() {
        double[][] orthogonal = {{1, 0, 0}, {0, 1, 0}};
        double[][] alike = {{1, 0, 0}, {1, 0.1, 0}};   // σmax / σmin ≈ 20
        double[][] fair = {{1, 0, 0}, {0.6, 0.8, 0}};  // σmax / σmin = 2
        assertEquals(List.of(1), GateVectors.degenerateLayers(new double[][][] {orthogonal, alike, fair}, 5));
    }
}
