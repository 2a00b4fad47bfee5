package org.evomerge.compute;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NaNScanTest {

    @Test
    void seesEveryElementIncludingTheTail() {
        for (int length : new int[] {0, 1, 7, 16, 33, 1000}) {
            float[] values = new float[length];
            assertFalse(NaNScan.any(values));
            for (int at = 0; at < length; at += Math.max(1, length / 5)) {
                values[at] = Float.NaN;
                assertTrue(NaNScan.any(values), length + " " + at);
                values[at] = Float.POSITIVE_INFINITY; // infinities are not NaN
                assertFalse(NaNScan.any(values), length + " " + at);
            }
        }
    }
}
