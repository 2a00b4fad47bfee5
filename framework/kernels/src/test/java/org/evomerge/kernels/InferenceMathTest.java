package org.evomerge.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InferenceMathTest {

    @Test
    void halfBitsToFloatAgreesWithTheJdkOnEveryCode() {
        for (int bits = 0; bits <= 0xFFFF; bits++) {
            float expected = FloatCodecs.f16ToFloat(bits);
            float got = InferenceMath.halfBitsToFloat(bits);
            if (Float.isNaN(expected)) {
                assertTrue(Float.isNaN(got), "NaN for " + Integer.toHexString(bits));
            } else {
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got),
                        "code " + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void q8ScaleReadsLittleEndianHalf() {
        // 0x3C00 is 1.0, 0xC000 is -2.0, 0x0001 the smallest subnormal 2^-24.
        assertEquals(1.0f, InferenceMath.q8Scale((byte) 0x00, (byte) 0x3C));
        assertEquals(-2.0f, InferenceMath.q8Scale((byte) 0x00, (byte) 0xC0));
        assertEquals(0x1.0p-24f, InferenceMath.q8Scale((byte) 0x01, (byte) 0x00));
    }

    @Test
    void rmsScaleIsInverseRootMeanSquare() {
        // x = (3, 4): mean square 12.5.
        assertEquals((float) (1 / Math.sqrt(12.5 + 1e-5)), InferenceMath.rmsScale(25.0, 2, 1e-5f));
        assertEquals(2f * (0.5f * 3f), InferenceMath.rmsNormalize(3f, 0.5f, 2f));
    }

    @Test
    void ropeAnglesFollowTheGeometricFrequencies() {
        assertEquals(0.0, InferenceMath.ropeAngle(0, 3, 64, 10000.0));
        assertEquals(7.0, InferenceMath.ropeAngle(7, 0, 64, 10000.0));
        // pair 16 of head size 64: theta^(-0.5) = 1/100.
        assertEquals(5.0 / 100.0, InferenceMath.ropeAngle(5, 16, 64, 10000.0), 1e-15);
    }

    @Test
    void rotationPreservesLengthAndQuarterTurnSwaps() {
        float x0 = 0.6f;
        float x1 = -1.3f;
        double angle = 0.73;
        float cos = (float) Math.cos(angle);
        float sin = (float) Math.sin(angle);
        float r0 = InferenceMath.rotateFirst(x0, x1, cos, sin);
        float r1 = InferenceMath.rotateSecond(x0, x1, cos, sin);
        assertEquals(Math.hypot(x0, x1), Math.hypot(r0, r1), 1e-6);
        assertEquals(-x1, InferenceMath.rotateFirst(x0, x1, 0f, 1f));
        assertEquals(x0, InferenceMath.rotateSecond(x0, x1, 0f, 1f));
    }

    @Test
    void siluAndSoftmaxNumerator() {
        assertEquals(0f, InferenceMath.silu(0f));
        assertEquals((float) (2.0 / (1 + Math.exp(-2.0))), InferenceMath.silu(2f));
        assertEquals(1f, InferenceMath.softmaxNumerator(3f, 3f));
        assertEquals((float) Math.exp(-1.0), InferenceMath.softmaxNumerator(2f, 3f));
    }

    @Test
    void dareAndTiesElementRules() {
        long seed = 1234;
        int kept = 0;
        for (int i = 0; i < 100_000; i++) {
            double u = ElementMath.uniform(seed, i);
            assertTrue(u >= 0 && u < 1);
            assertEquals(u < 0.3, ElementMath.dareKeeps(seed, i, 0.3));
            kept += ElementMath.dareKeeps(seed, i, 0.3) ? 1 : 0;
        }
        // Binomial(100000, 0.3): sd ≈ 145, so ±1000 is a 7-sigma band.
        assertTrue(Math.abs(kept - 30_000) < 1_000, "kept " + kept);
        assertEquals((ElementMath.randomBits(seed, 5) >>> 11) * 0x1.0p-53, ElementMath.uniform(seed, 5));

        assertFalse(ElementMath.electsNegative(0.0));
        assertFalse(ElementMath.electsNegative(-0.0));
        assertTrue(ElementMath.electsNegative(-1e-30));
        assertTrue(ElementMath.agrees(-2.0, true));
        assertFalse(ElementMath.agrees(2.0, true));
        assertFalse(ElementMath.agrees(0.0, false));
        assertFalse(ElementMath.agrees(-0.0, true));
        assertEquals(1.0, ElementMath.guardedDivisor(5e-9));
        assertEquals(0.25, ElementMath.guardedDivisor(0.25));
    }

    @Test
    void randomBitsIsSplitMix64WithUnsignedShifts() {
        // The definition with >>> (what the masked arithmetic shifts in ElementMath must equal), over signs and edges.
        long[] seeds = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x1234_5678_9ABCL};
        for (long seed : seeds) {
            for (long counter = -3; counter < 2000; counter++) {
                long z = seed + (counter + 1) * 0x9E3779B97F4A7C15L;
                z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
                z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
                long expected = z ^ (z >>> 31);
                assertEquals(expected, ElementMath.randomBits(seed, counter));
                assertEquals((expected >>> 11) * 0x1.0p-53, ElementMath.uniform(seed, counter));
            }
        }
    }
}
