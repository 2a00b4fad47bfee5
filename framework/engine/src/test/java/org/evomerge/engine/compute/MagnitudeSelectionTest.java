package org.evomerge.engine.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.kernels.ElementMath;
import org.evomerge.kernels.FloatCodecs;
import org.junit.jupiter.api.Test;

/**
 * {@code magnitudeRank} on both CPU backends against an independent oracle (a full sort of the indices by |δ|
 * descending, index ascending): exactly p elements rank before position p, ties included, on small tensors (scalar
 * selection) and on tensors large enough for the vector backend's sampled bracket. Also the selection routines it
 * falls back to.
 */
class MagnitudeSelectionTest {

    private static final ComputeBackend[] BACKENDS = {new ReferenceBackend(), new VectorBackend()};

    /** Indices in magnitude order, by a full sort of boxed indices. */
    private static int[] magnitudeOrder(float[] x, float[] base) {
        return IntStream.range(0, x.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -Math.abs(x[i] - base[i])).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
    }

    /** Every element ranks before the backend's rank at p iff the full sort puts it among the first p. */
    private static void assertExact(ComputeBackend backend, float[] x, float[] base, int[] order, int position,
                                    String what) {
        MagnitudeRank rank = backend.magnitudeRank(x, base, position);
        boolean[] before = new boolean[x.length];
        for (int q = 0; q < Math.min(position, x.length); q++) {
            before[order[q]] = true;
        }
        for (int i = 0; i < x.length; i++) {
            boolean actual = ElementMath.ranksBefore(Math.abs(x[i] - base[i]), i, rank.threshold(), rank.tieIndex());
            if (actual != before[i]) {
                throw new AssertionError(backend.id() + ", " + what + ", position " + position + ": element " + i
                        + " (|δ| " + Math.abs(x[i] - base[i]) + ") " + (actual ? "ranks" : "does not rank")
                        + " before " + rank);
            }
        }
    }

    private static float bf16(double v) {
        return FloatCodecs.bf16ToFloat(FloatCodecs.floatToBf16((float) v));
    }

    @Test
    void smallTensorsWithManyTiesAgreeWithAFullSort() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(300);
            int distinct = 1 + random.nextInt(trial % 2 == 0 ? 4 : 1000);
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                // few distinct magnitudes with both signs: many ties, including runs of zeros
                x[i] = (random.nextBoolean() ? 1 : -1) * random.nextInt(distinct) * 0.25f;
            }
            float[] base = new float[n];
            int[] order = magnitudeOrder(x, base);
            for (ComputeBackend backend : BACKENDS) {
                for (int p : new int[] {0, 1, n / 3, n / 2, n - 1, n, random.nextInt(n + 1)}) {
                    assertExact(backend, x, base, order, p, "trial " + trial);
                }
            }
        }
    }

    /** Tensors beyond the vector backend's bracket threshold, in the shapes merges meet and some they should not. */
    @Test
    void largeTensorsAgreeWithAFullSortOnEveryBackend() {
        SplittableRandom random = new SplittableRandom(5);
        int n = MergeLanes.BRACKET_MINIMUM + 12_345;
        String[] kinds = {"bf16 fine-tune", "bf16 tiny deltas", "half unchanged", "one magnitude", "sorted",
                "reversed", "two magnitudes", "float32 distinct", "infinity"};
        for (String kind : kinds) {
            float[] base = new float[n];
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                base[i] = bf16(random.nextGaussian() * 0.02);
                x[i] = switch (kind) {
                    case "bf16 fine-tune" -> bf16(base[i] + random.nextGaussian() * 0.002);
                    case "bf16 tiny deltas" -> bf16(base[i] + random.nextGaussian() * 1e-5);
                    case "half unchanged" -> i % 2 == 0 ? base[i] : bf16(base[i] + random.nextGaussian() * 0.002);
                    case "one magnitude" -> base[i] + (random.nextBoolean() ? 0.5f : -0.5f);
                    case "sorted" -> base[i] + i * 1e-3f;
                    case "reversed" -> base[i] - (n - i) * 1e-3f;
                    case "two magnitudes" -> base[i] + (i % 3 == 0 ? 2f : 1f);
                    case "float32 distinct" -> base[i] + (float) random.nextGaussian();
                    default -> i == 77 ? Float.POSITIVE_INFINITY : base[i] + (float) random.nextGaussian();
                };
            }
            int[] order = magnitudeOrder(x, base);
            for (ComputeBackend backend : BACKENDS) {
                for (int p : new int[] {1, n / 100, n / 3, n / 2, n - n / 100, n - 1, random.nextInt(n)}) {
                    assertExact(backend, x, base, order, p, kind);
                }
            }
        }
    }

    /** The fused trim keeps the same elements as mask(rank) on every backend, exactly {@code keep} of them. */
    @Test
    void topMagnitudeMasksAreTheMaskOfTheRank() {
        SplittableRandom random = new SplittableRandom(9);
        String[] kinds = {"bf16 fine-tune", "half unchanged", "one magnitude", "float32 distinct", "nan"};
        for (String kind : kinds) {
            int n = MergeLanes.BRACKET_MINIMUM + 4_321 + random.nextInt(64);
            float[] base = new float[n];
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                base[i] = bf16(random.nextGaussian() * 0.02);
                x[i] = switch (kind) {
                    case "bf16 fine-tune" -> bf16(base[i] + random.nextGaussian() * 0.002);
                    case "half unchanged" -> i % 2 == 0 ? base[i] : bf16(base[i] + random.nextGaussian() * 0.002);
                    case "one magnitude" -> base[i] + (random.nextBoolean() ? 0.5f : -0.5f);
                    case "float32 distinct" -> base[i] + (float) random.nextGaussian();
                    default -> i == 1234 ? Float.NaN : base[i] + (float) random.nextGaussian();
                };
            }
            int words = (n + 63) >>> 6;
            for (int keep : new int[] {0, 1, n / 100, n / 2, n - 1, n, random.nextInt(n)}) {
                long[] expected = new long[words];
                org.evomerge.api.compute.MaskNorms expectedNorms;
                try {
                    expectedNorms = BACKENDS[0].magnitudeMask(x, base, MagnitudeRank.NONE,
                            BACKENDS[0].magnitudeRank(x, base, keep), expected);
                } catch (IllegalStateException e) { // NaN: no order to cut; every backend refuses alike
                    for (ComputeBackend backend : BACKENDS) {
                        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                                () -> backend.topMagnitudeMask(x, base, keep, new long[words]), backend.id());
                    }
                    continue;
                }
                for (ComputeBackend backend : BACKENDS) {
                    long[] mask = new long[words];
                    java.util.Arrays.fill(mask, -1L); // every word must be overwritten
                    org.evomerge.api.compute.MaskNorms norms = backend.topMagnitudeMask(x, base, keep, mask);
                    String what = backend.id() + ", " + kind + ", keep " + keep;
                    org.junit.jupiter.api.Assertions.assertArrayEquals(expected, mask, what);
                    if (!kind.equals("nan")) {
                        long bits = 0;
                        for (long word : mask) {
                            bits += Long.bitCount(word);
                        }
                        assertEquals(keep, bits, what);
                    }
                    if (kind.equals("nan")) {
                        assertEquals(expectedNorms.total(), norms.total(), what); // NaN on both
                        continue;
                    }
                    assertEquals(expectedNorms.total(), norms.total(), Math.abs(expectedNorms.total()) * 1e-9 + 1e-9,
                            what);
                    assertEquals(expectedNorms.kept(), norms.kept(), Math.abs(expectedNorms.kept()) * 1e-9 + 1e-9,
                            what);
                }
            }
        }
    }

    @Test
    void backendsReturnTheSameRank() {
        SplittableRandom random = new SplittableRandom(3);
        int n = 2 * MergeLanes.BRACKET_MINIMUM + 7;
        float[] base = new float[n];
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            base[i] = bf16(random.nextGaussian() * 0.02);
            x[i] = bf16(base[i] + random.nextGaussian() * 0.002);
        }
        for (int trial = 0; trial < 20; trial++) {
            int p = random.nextInt(n + 1);
            assertEquals(BACKENDS[0].magnitudeRank(x, base, p), BACKENDS[1].magnitudeRank(x, base, p), "position " + p);
        }
    }

    @Test
    void extremesNeedNoSelection() {
        float[] x = {1, -2, 0};
        float[] base = new float[3];
        for (ComputeBackend backend : BACKENDS) {
            assertSame(MagnitudeRank.NONE, backend.magnitudeRank(x, base, 0));
            assertSame(MagnitudeRank.ALL, backend.magnitudeRank(x, base, 3));
            assertSame(MagnitudeRank.ALL, backend.magnitudeRank(x, base, 4));
        }
    }

    /** NaN has no place in the order (the merge then fails on its NaN output); both backends take the same path. */
    @Test
    void nanTakesTheSamePathOnBothBackends() {
        int n = MergeLanes.BRACKET_MINIMUM;
        float[] x = new float[n];
        float[] base = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i % 1000;
        }
        x[5] = Float.NaN;
        for (int p : new int[] {1, n / 2, n - 1}) {
            Object expected = outcome(BACKENDS[0], x, base, p);
            assertEquals(expected, outcome(BACKENDS[1], x, base, p), "position " + p);
        }
    }

    private static Object outcome(ComputeBackend backend, float[] x, float[] base, int position) {
        try {
            return backend.magnitudeRank(x, base, position);
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

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
