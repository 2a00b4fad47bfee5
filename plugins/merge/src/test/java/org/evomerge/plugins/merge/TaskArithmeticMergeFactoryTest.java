package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.GtaInputs.assertMerged;
import static org.evomerge.plugins.merge.GtaInputs.floats;
import static org.evomerge.plugins.merge.GtaInputs.plus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

class TaskArithmeticMergeFactoryTest extends MergeMethodContract {

    // base = [1, 2, 3, 4]; δA = [1, 0, -2, 0.5] (wA 0.5); δB = [-1, 1, 0, 1] (wB 0.25).
    static final float[] BASE = floats(1, 2, 3, 4);
    static final float[] A = plus(BASE, 1, 0, -2, 0.5);
    static final float[] B = plus(BASE, -1, 1, 0, 1);
    static final List<Map<String, ?>> WEIGHTS = List.of(Map.of("weight", 0.5), Map.of("weight", 0.25));

    @Override
    protected MergeMethodFactory factory() {
        return new TaskArithmeticMergeFactory();
    }

    @Override
    protected Map<String, Object> perModelParameters(int modelIndex) {
        return Map.of("weight", 0.3 + 0.2 * modelIndex);
    }

    @Test
    void weightedSumOfTaskVectors() {
        // Σ w·δ = 0.5·[1, 0, -2, 0.5] + 0.25·[-1, 1, 0, 1] = [0.5-0.25, 0.25, -1, 0.25+0.25] = [0.25, 0.25, -1, 0.5]
        float[] merged = GtaInputs.of(factory()).merge(BASE, List.of(A, B), WEIGHTS);
        assertMerged(BASE, new double[] {0.25, 0.25, -1, 0.5}, merged);
    }

    @Test
    void normalizeDividesBySumOfWeights() {
        // [0.25, 0.25, -1, 0.5] / 0.75 = [1/3, 1/3, -4/3, 2/3]
        float[] merged = GtaInputs.of(factory(), Map.of("normalize", true)).merge(BASE, List.of(A, B), WEIGHTS);
        assertMerged(BASE, new double[] {1.0 / 3, 1.0 / 3, -4.0 / 3, 2.0 / 3}, merged);
    }

    @Test
    void lambdaScalesTheMergedDelta() {
        // 2·[0.25, 0.25, -1, 0.5] = [0.5, 0.5, -2, 1]
        float[] merged = GtaInputs.of(factory(), Map.of("lambda", 2.0)).merge(BASE, List.of(A, B), WEIGHTS);
        assertMerged(BASE, new double[] {0.5, 0.5, -2, 1}, merged);
    }

    @Test
    void weightsSummingToZeroUseDivisorOne() {
        // wA = 1, wB = -1, normalize: Σw = 0 → divisor 1: δA - δB = [2, -1, -2, -0.5]
        float[] merged = GtaInputs.of(factory(), Map.of("normalize", true)).merge(BASE, List.of(A, B),
                List.of(Map.of("weight", 1.0), Map.of("weight", -1.0)));
        assertMerged(BASE, new double[] {2, -1, -2, -0.5}, merged);
        for (float v : merged) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void withoutModelsTheBaseIsReturnedAsACopy() {
        float[] merged = GtaInputs.of(factory()).merge(BASE, List.of(), List.of());
        assertArrayEquals(BASE, merged);
        assertNotSame(BASE, merged);
    }

    @Test
    void missingBaseIsAConfigurationErrorNamingTheTensor() {
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> GtaInputs.of(factory()).merge(null, List.of(A, B), WEIGHTS));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().contains(GtaInputs.TENSOR), e.getMessage());
        assertTrue(e.getMessage().contains("task_arithmetic"), e.getMessage());
    }
}
