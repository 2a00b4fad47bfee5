package org.evomerge.plugins.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

/** Element-wise comparisons with an absolute tolerance, and random test tensors. */
final class ArrayTolerance {

    private ArrayTolerance() {
    }

    static void assertClose(double[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tolerance)) {
                fail("element " + i + ": expected " + expected[i] + " but was " + actual[i] + " (tolerance " + tolerance
                        + ")");
            }
        }
    }

    static void assertClose(float[] expected, float[] actual, double tolerance) {
        double[] e = new double[expected.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = expected[i];
        }
        assertClose(e, actual, tolerance);
    }

    /** Gaussian values with the given standard deviation. */
    static float[] gaussian(SplittableRandom random, int n, double sd) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * sd);
        }
        return values;
    }

    static float[] plus(float[] a, float[] b) {
        float[] r = new float[a.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = a[i] + b[i];
        }
        return r;
    }

    static float[] scaled(float[] a, float s) {
        float[] r = new float[a.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = a[i] * s;
        }
        return r;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
