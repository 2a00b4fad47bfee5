package org.evomerge.training.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CrossEntropyTest {

    @Test
    void lossAndGradientMatchHandDerivedValues() {
        // Row 0: logits (0, ln 2, ln 5) → softmax (1/8, 2/8, 5/8); target 1 → loss ln 4.
        // Row 1: ignored (target -1) → no loss, zero gradient.
        float[] logits = {0f, (float) Math.log(2), (float) Math.log(5), 3f, 1f, 2f};
        double loss = CrossEntropy.lossAndGradient(logits, new int[] {1, -1}, 2, 3, 0.5);
        assertEquals(Math.log(4), loss, 1e-6);
        assertArrayEquals(new float[] {0.5f / 8, 0.5f * (2f / 8 - 1), 0.5f * 5 / 8, 0, 0, 0}, logits, 1e-6f);
    }

    @Test
    void largeLogitsDoNotOverflow() {
        float[] logits = {1000f, 0f};
        double loss = CrossEntropy.lossAndGradient(logits, new int[] {1}, 1, 2, 1);
        assertEquals(1000 + Math.log1p(Math.exp(-1000)), loss, 1e-3);
    }
}
