package org.evomerge.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

class FloatCodecsTest {

    /** Independent reference: the nearest of the two neighbouring representable values, ties to the even code. */
    private static int nearestEven(double x, int loCode, int hiCode, IntToDoubleFunction decode) {
        double lo = decode.applyAsDouble(loCode);
        double hi = decode.applyAsDouble(hiCode);
        double dLo = Math.abs(x - lo);
        double dHi = Math.abs(hi - x);
        if (dLo < dHi) {
            return loCode;
        }
        if (dHi < dLo) {
            return hiCode;
        }
        return (loCode & 1) == 0 ? loCode : hiCode;
    }

    @Test
    void bf16RoundsToNearestEvenOnEveryStrideOfFloat32() {
        for (long b = 0; b <= 0xFFFF_FFFFL; b += 4099) {
            int bits = (int) b;
            float f = Float.intBitsToFloat(bits);
            int got = FloatCodecs.floatToBf16(f) & 0xFFFF;
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(FloatCodecs.bf16ToFloat(got)), "NaN kept for " + Integer.toHexString(bits));
                continue;
            }
            int lo = bits >>> 16;
            int hi = lo + 1;
            // Overflow follows IEEE: the code after the largest finite value stands for 2^128 when rounding.
            IntToDoubleFunction decode = c -> (c & 0x7FFF) == 0x7F80
                    ? Math.copySign(0x1p128, FloatCodecs.bf16ToFloat(c)) : FloatCodecs.bf16ToFloat(c);
            int expected = (bits & 0xFFFF) == 0 ? lo : nearestEven(f, lo, hi, decode);
            assertEquals(expected, got, "bf16 of " + f + " (0x" + Integer.toHexString(bits) + ")");
        }
    }

    /**
     * Exhaustive over the cases where rounding can go wrong: for every pair of neighbouring bf16 codes, the exact
     * midpoint (ties to the even code) and the float32 values one ulp below and above it.
     */
    @Test
    void bf16RoundsEveryMidpointAndItsNeighboursCorrectly() {
        for (int code = 0; code < 0x10000; code++) {
            if ((code & 0x7FFF) >= 0x7F80) {
                continue; // infinities and NaNs have no finite neighbour above
            }
            int midpointBits = (code << 16) | 0x8000;
            float midpoint = Float.intBitsToFloat(midpointBits);
            int even = (code & 1) == 0 ? code : code + 1;
            assertEquals(even, FloatCodecs.floatToBf16(midpoint) & 0xFFFF, "midpoint above code " + code);
            assertEquals(code, FloatCodecs.floatToBf16(Float.intBitsToFloat(midpointBits - 1)) & 0xFFFF,
                    "just below the midpoint above code " + code);
            assertEquals(code + 1, FloatCodecs.floatToBf16(Float.intBitsToFloat(midpointBits + 1)) & 0xFFFF,
                    "just above the midpoint above code " + code);
            assertEquals(Float.intBitsToFloat(code << 16), FloatCodecs.bf16ToFloat(code), 0.0f, "decode " + code);
        }
    }

    @Test
    void bf16HandWorkedCases() {
        assertEquals(0x3F80, FloatCodecs.floatToBf16(1.0f));
        // 1 + 2^-8 is exactly halfway between 1 and 1 + 2^-7: ties to even (1.0).
        assertEquals(0x3F80, FloatCodecs.floatToBf16(1f + 0x1p-8f));
        // 1 + 3·2^-8 is halfway between 1+2^-7 (odd) and 1+2^-6 (even): rounds up.
        assertEquals(0x3F82, FloatCodecs.floatToBf16(1f + 3 * 0x1p-8f));
        assertEquals((short) 0xFF80, FloatCodecs.floatToBf16(Float.NEGATIVE_INFINITY));
        assertEquals(0x7F80, FloatCodecs.floatToBf16(Float.MAX_VALUE));
        assertEquals((short) 0x8000, FloatCodecs.floatToBf16(-0.0f));
    }

    @Test
    void f16RoundTripsEveryCodeAndRoundsMidpointsToEven() {
        for (int code = 0; code < 0x10000; code++) {
            float f = FloatCodecs.f16ToFloat(code);
            if (Float.isNaN(f)) {
                continue;
            }
            assertEquals(code, FloatCodecs.floatToF16(f) & 0xFFFF, "round trip of f16 code " + code);
            int next = code + 1;
            if ((code & 0x7FFF) < 0x7BFF) { // both finite, same sign
                float g = FloatCodecs.f16ToFloat(next);
                float mid = (float) ((f + (double) g) / 2);
                assertEquals(nearestEven((f + (double) g) / 2, code, next, FloatCodecs::f16ToFloat),
                        FloatCodecs.floatToF16(mid) & 0xFFFF, "midpoint after f16 code " + code);
            }
        }
        // Smallest subnormal 2^-24; half of it ties to even (zero); just above half rounds up.
        assertEquals(0x0001, FloatCodecs.floatToF16(0x1p-24f));
        assertEquals(0x0000, FloatCodecs.floatToF16(0x1p-25f));
        assertEquals(0x0001, FloatCodecs.floatToF16(Math.nextUp(0x1p-25f)));
        assertEquals(0x7C00, FloatCodecs.floatToF16(65520f)); // halfway past 65504 rounds to infinity
        assertEquals(0x7BFF, FloatCodecs.floatToF16(65519f));
    }

    @Test
    void f8E4M3DecodesEveryCodeAndRoundTrips() {
        DoubleUnaryOperator reference = x -> x;
        for (int code = 0; code < 256; code++) {
            float f = FloatCodecs.f8e4m3ToFloat(code);
            int e = (code >>> 3) & 0xF;
            int m = code & 7;
            double expected = (e == 0 ? m / 8.0 * Math.pow(2, -6) : (1 + m / 8.0) * Math.pow(2, e - 7))
                    * ((code & 0x80) != 0 ? -1 : 1);
            if ((code & 0x7F) == 0x7F) {
                assertTrue(Float.isNaN(f));
                assertEquals(0x7F, FloatCodecs.floatToF8e4m3(f) & 0x7F);
                continue;
            }
            assertEquals(reference.applyAsDouble(expected), f, 0.0, "e4m3 code " + code);
            assertEquals(code, FloatCodecs.floatToF8e4m3(f) & 0xFF, "e4m3 round trip " + code);
        }
        assertEquals(448f, FloatCodecs.f8e4m3ToFloat(FloatCodecs.floatToF8e4m3(464f))); // tie to even mantissa 110
        assertTrue(Float.isNaN(FloatCodecs.f8e4m3ToFloat(FloatCodecs.floatToF8e4m3(465f))));
        assertTrue(Float.isNaN(FloatCodecs.f8e4m3ToFloat(FloatCodecs.floatToF8e4m3(Float.POSITIVE_INFINITY))));
    }

    @Test
    void f8E5M2DecodesEveryCodeAndRoundTrips() {
        for (int code = 0; code < 256; code++) {
            float f = FloatCodecs.f8e5m2ToFloat(code);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(FloatCodecs.f8e5m2ToFloat(FloatCodecs.floatToF8e5m2(f))));
                continue;
            }
            assertEquals(code, FloatCodecs.floatToF8e5m2(f) & 0xFF, "e5m2 round trip " + code);
        }
        assertEquals(57344f, FloatCodecs.f8e5m2ToFloat(FloatCodecs.floatToF8e5m2(61439f)));
        assertEquals(Float.POSITIVE_INFINITY, FloatCodecs.f8e5m2ToFloat(FloatCodecs.floatToF8e5m2(61440f)));
        assertEquals(0x01, FloatCodecs.floatToF8e5m2(0x1p-16f)); // smallest subnormal
    }

    @Test
    void randomBitsIsAPureFunctionOfSeedAndCounter() {
        assertEquals(ElementMath.randomBits(42, 7), ElementMath.randomBits(42, 7));
        assertTrue(ElementMath.randomBits(42, 7) != ElementMath.randomBits(42, 8));
        assertTrue(ElementMath.randomBits(42, 7) != ElementMath.randomBits(43, 7));
    }
}
