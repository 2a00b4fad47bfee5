package org.evomerge.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * {@link Exponential}: lanes and single values agree bit for bit, and both are within 1 ulp of {@link Math#exp}
 * rounded to float, over every float of [−104, 89] at a stride and the special values.
 */
class ExponentialTest {

    private static final int LANES = FixedOrderKernels.F.length();

    /** Every {@code stride}-th float between −104 and 89, both signs, plus the special values. */
    private static float[] inputs(int stride) {
        float[] specials = {0f, -0f, 89f, -104f, 88.72f, 88.7229f, -87.3f, -103.9f, 1e-30f, -1e-30f,
            Float.MIN_VALUE, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1000f, -1000f,
            Float.MAX_VALUE, -Float.MAX_VALUE};
        int steps = Float.floatToIntBits(104f) / stride + 1;
        float[] x = new float[(2 * steps + specials.length + LANES - 1) / LANES * LANES];
        int n = 0;
        for (int bits = 0; bits < Float.floatToIntBits(104f); bits += stride) {
            float value = Float.intBitsToFloat(bits);
            x[n++] = Math.min(value, 89f);
            x[n++] = -value;
        }
        System.arraycopy(specials, 0, x, n, specials.length);
        return x;
    }

    @Test
    void lanesAndSingleValuesGiveTheSameBits() {
        float[] x = inputs(4099);
        float[] lanes = new float[x.length];
        for (int i = 0; i < x.length; i += LANES) {
            Exponential.exp(FloatVector.fromArray(FixedOrderKernels.F, x, i)).intoArray(lanes, i);
        }
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits(Exponential.exp(x[i])), Float.floatToRawIntBits(lanes[i]),
                    "exp(" + x[i] + ")");
        }
    }

    @Test
    void withinOneUlpOfTheExactValue() {
        float[] x = inputs(1021);
        int worst = 0;
        for (float value : x) {
            float exact = (float) Math.exp(value);
            float got = Exponential.exp(value);
            if (Float.isNaN(value)) {
                assertTrue(Float.isNaN(got));
                continue;
            }
            if (Float.isInfinite(exact) || exact == 0f) {
                assertEquals(exact, got, "exp(" + value + ")");
                continue;
            }
            int ulps = Math.abs(Float.floatToIntBits(got) - Float.floatToIntBits(exact));
            worst = Math.max(worst, ulps);
            assertTrue(ulps <= 1, "exp(" + value + ") = " + got + ", exactly " + exact + ": " + ulps + " ulp");
        }
        assertTrue(worst >= 1, "the sweep should meet rounding differences");
    }
}
