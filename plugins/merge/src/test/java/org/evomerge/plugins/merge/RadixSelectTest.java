package org.evomerge.plugins.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The histogram selection used for large tensors agrees with a full sort, duplicates and zeros included. */
class RadixSelectTest {

    @Test
    void agreesWithSortingOnLargeArraysWithTiesAndZeros() {
        SplittableRandom random = new SplittableRandom(11);
        int n = 300_000;
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = switch (i % 4) {
                case 0 -> 0f;                                        // untouched elements
                case 1 -> (float) Math.abs(random.nextGaussian() * 0.02);
                case 2 -> (float) Math.round(random.nextDouble() * 50) / 1000f; // many exact ties
                default -> Math.nextUp((float) Math.abs(random.nextGaussian())); // close neighbours
            };
        }
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        for (int k : new int[] {0, 1, n / 4 - 1, n / 4, n / 2, n - 2, n - 1, 123_457}) {
            assertEquals(sorted[k], MagnitudeCut.radixSelect(values, n, k), "k = " + k);
            assertEquals(sorted[k], MagnitudeCut.kthSmallest(values.clone(), n, k), "k = " + k);
        }
    }

    @Test
    void leavesNegativeAndNaNInputsToTheGeneralPath() {
        float[] values = new float[100_000];
        Arrays.fill(values, 1f);
        values[7] = -2f;
        assertTrue(Float.isNaN(MagnitudeCut.radixSelect(values, values.length, 0)));
        assertEquals(-2f, MagnitudeCut.kthSmallest(values.clone(), values.length, 0));
        values[7] = Float.NaN;
        assertTrue(Float.isNaN(MagnitudeCut.radixSelect(values, values.length, 0)));
    }
}
