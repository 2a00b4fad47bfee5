package org.evomerge.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The selection routines behind the magnitude order: radix selection on raw float bits and the quickselect it falls
 * back to. Every backend's ranks are checked against a full sort by the test kit's {@code ComputeBackendContract}.
 */
class MagnitudeSelectionTest {

    @Test
    void radixSelectionAgreesWithSortingOnLargeArraysWithTiesAndZeros() {
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
            assertEquals(sorted[k], MagnitudeSelection.radixSelect(values, n, k), "k = " + k);
            assertEquals(sorted[k], MagnitudeSelection.kthSmallest(values.clone(), n, k), "k = " + k);
        }
    }

    @Test
    void radixSelectionLeavesNegativeAndNaNInputsToTheGeneralPath() {
        float[] values = new float[100_000];
        Arrays.fill(values, 1f);
        values[7] = -2f;
        assertTrue(Float.isNaN(MagnitudeSelection.radixSelect(values, values.length, 0)));
        assertEquals(-2f, MagnitudeSelection.kthSmallest(values.clone(), values.length, 0));
        values[7] = Float.NaN;
        assertTrue(Float.isNaN(MagnitudeSelection.radixSelect(values, values.length, 0)));
    }

    @Test
    void quickselectHandlesAdversarialOrders() {
        int n = 10_007;
        float[][] patterns = new float[5][n];
        for (int i = 0; i < n; i++) {
            patterns[0][i] = i;                             // sorted
            patterns[1][i] = n - i;                         // reversed
            patterns[2][i] = 3;                             // all equal
            patterns[3][i] = Math.min(i, n - i);            // organ pipe
            patterns[4][i] = i % 2 == 0 ? 0 : i;            // half zeros
        }
        for (float[] pattern : patterns) {
            float[] sorted = pattern.clone();
            Arrays.sort(sorted);
            for (int k : new int[] {0, 1, n / 2, n - 2, n - 1}) {
                assertEquals(sorted[k], MagnitudeSelection.kthSmallest(pattern.clone(), n, k), "k " + k);
            }
        }
    }
}
