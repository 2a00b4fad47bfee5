package org.evomerge.training.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.evomerge.training.model.Parameter;
import org.junit.jupiter.api.Test;

class AdamWTest {

    @Test
    void twoStepsMatchHandComputedValues() {
        Parameter matrix = new Parameter("w", new long[] {1, 2}, new float[] {1.0f, -2.0f});
        Parameter norm = new Parameter("n", new long[] {1}, new float[] {0.5f});
        matrix.setTrainable(true);
        norm.setTrainable(true);
        AdamW adam = new AdamW(0.9, 0.999, 1e-8, 0.1);
        matrix.gradient()[0] = 0.5f;
        matrix.gradient()[1] = -1.0f;
        norm.gradient()[0] = 2.0f;
        adam.step(List.of(matrix, norm), 0.01, 1);
        // Step 1: m = 0.1 g, v = 0.001 g²; m̂ = g, v̂ = g², update = g/(|g| + 1e-8) = ±1 (to 1e-8).
        // w0: 1.0 (1 - 0.01·0.1) - 0.01 · 1 = 0.999 - 0.01 = 0.989
        // w1: -2.0 · 0.999 + 0.01 = -1.988
        // norm (no decay): 0.5 - 0.01 = 0.49
        assertArrayEquals(new float[] {0.989f, -1.988f}, matrix.value(), 1e-6f);
        assertEquals(0.49f, norm.value()[0], 1e-6f);
        matrix.gradient()[0] = 0.1f;
        matrix.gradient()[1] = 0.0f;
        adam.step(List.of(matrix), 0.01, 2);
        // Step 2 on w0: m = 0.9·0.05 + 0.1·0.1 = 0.055, v = 0.999·0.00025 + 0.001·0.01 = 0.00025975
        // m̂ = 0.055/0.19 = 0.289473684, v̂ = 0.00025975/0.001999 = 0.129939970, √v̂ = 0.360471871
        // w0 = 0.989 · 0.999 - 0.01 · 0.289473684/0.360471871 = 0.988011 - 0.008030400 = 0.979980600
        // w1: m = -0.09, v = 0.000999 → m̂ = -0.473684211, v̂ = 0.499749875, √v̂ = 0.706929895
        // w1 = -1.988 · 0.999 + 0.01 · 0.670056 = -1.986012 + 0.006700556 = -1.979311444
        assertEquals(0.9799806, matrix.value()[0], 1e-6);
        assertEquals(-1.9793114, matrix.value()[1], 1e-6);
    }

    @Test
    void clippingScalesTheGlobalNormDownAndLeavesSmallGradientsAlone() {
        Parameter a = new Parameter("a", new long[] {1, 2}, new float[2]);
        Parameter b = new Parameter("b", new long[] {1}, new float[1]);
        a.setTrainable(true);
        b.setTrainable(true);
        a.gradient()[0] = 3;
        a.gradient()[1] = 0;
        b.gradient()[0] = 4;
        assertEquals(5.0, AdamW.clipGlobalNorm(List.of(a, b), 1.0), 1e-12);
        assertEquals(3 / (5 + 1e-6), a.gradient()[0], 1e-6);
        assertEquals(4 / (5 + 1e-6), b.gradient()[0], 1e-6);
        assertEquals(1.0, AdamW.clipGlobalNorm(List.of(a, b), 10.0), 1e-5);
        assertEquals(0.6, a.gradient()[0], 1e-5);
    }

    @Test
    void scheduleWarmsUpLinearlyThenFollowsACosineToZero() {
        LearningRateSchedule s = new LearningRateSchedule(1.0, 4, 14);
        assertEquals(0.25, s.at(0), 1e-12);
        assertEquals(1.0, s.at(3), 1e-12);
        assertEquals(1.0, s.at(4), 1e-12);
        assertEquals(0.5, s.at(9), 1e-12);
        assertEquals(0.0, s.at(14), 1e-12);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 0.3)), s.at(7), 1e-12);
    }
}
