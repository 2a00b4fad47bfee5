package org.evomerge.engine.compute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.SignElection;
import org.evomerge.api.compute.TaskVectorCombine;
import org.evomerge.api.tensor.DType;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.kernels.ElementMath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The merge operations of the compute SPI: the reference backend against hand-worked cases, and the vector backend
 * against the reference on random tensors of awkward sizes, with ±0, unchanged elements (δ = 0) and tied
 * magnitudes. Masks, task vectors, combinations and combines must agree bit for bit; L1 norms within double rounding.
 */
class MergeOperationsDifferentialTest {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();
    private static final VectorBackend VECTOR = new VectorBackend();

    /** Base and model with exact zeros of both signs, unchanged elements and repeated magnitudes. */
    private static float[][] tensors(int n, int models, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] out = new float[models + 1][n];
        for (int i = 0; i < n; i++) {
            out[0][i] = switch (i % 11) {
                case 0 -> 0f;
                case 1 -> -0f;
                default -> (float) random.nextGaussian();
            };
            for (int m = 1; m <= models; m++) {
                out[m][i] = switch ((i + m) % 9) {
                    case 0 -> out[0][i];                       // unchanged: δ = 0
                    case 1 -> out[0][i] + 0.25f;               // tied magnitudes
                    case 2 -> out[0][i] - 0.25f;
                    case 3 -> -0f;
                    default -> out[0][i] + (float) (random.nextGaussian() * 0.1);
                };
            }
        }
        return out;
    }

    private static void assertNormsClose(MaskNorms expected, MaskNorms actual) {
        assertEquals(expected.total(), actual.total(), 1e-12 * Math.max(1, expected.total()));
        assertEquals(expected.kept(), actual.kept(), 1e-12 * Math.max(1, expected.kept()));
    }

    private static long[] mask(int n) {
        return new long[(n + 63) >>> 6];
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 33, 1023, 4099})
    void taskVectorAndLinearCombinationAreBitIdentical(int n) {
        float[][] t = tensors(n, 1, n);
        float[] expected = new float[n];
        float[] actual = new float[n];
        REFERENCE.taskVector(t[1], t[0], expected);
        VECTOR.taskVector(t[1], t[0], actual);
        assertArrayEquals(expected, actual);
        REFERENCE.linearCombination(t[0], 0.3, t[1], 0.7, expected);
        VECTOR.linearCombination(t[0], 0.3, t[1], 0.7, actual);
        assertArrayEquals(expected, actual);
        for (int i = 0; i < n; i++) {
            assertEquals((float) (0.3 * t[0][i] + 0.7 * t[1][i]), expected[i]);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 33, 1023, 4099})
    void magnitudeMasksAreBitIdentical(int n) {
        float[][] t = tensors(n, 1, 3 * n + 1);
        MagnitudeRank[][] ranges = {
            {MagnitudeRank.NONE, new MagnitudeRank(0.25f, n / 2)},
            {MagnitudeRank.NONE, MagnitudeRank.ALL},
            {new MagnitudeRank(0.3f, 0), new MagnitudeRank(0.05f, Integer.MAX_VALUE)},
            {new MagnitudeRank(0.25f, n / 3), new MagnitudeRank(0f, 0)},
        };
        for (MagnitudeRank[] range : ranges) {
            long[] expected = mask(n);
            long[] actual = mask(n);
            Arrays.fill(actual, -1L); // every covered word must be overwritten
            MaskNorms e = REFERENCE.magnitudeMask(t[1], t[0], range[0], range[1], expected);
            MaskNorms a = VECTOR.magnitudeMask(t[1], t[0], range[0], range[1], actual);
            assertArrayEquals(expected, actual, Arrays.toString(range));
            assertNormsClose(e, a);
        }
    }

    @Test
    void magnitudeMaskBreaksTiesByIndex() {
        // |δ| = [1, 2, 2, 0, 2]: the top 2 are index 1 and then the lower-indexed tie, index 2.
        float[] base = {0, 0, 0, 0, 0};
        float[] x = {1, -2, 2, -0f, 2};
        long[] mask = mask(5);
        MaskNorms norms = REFERENCE.magnitudeMask(x, base, MagnitudeRank.NONE, new MagnitudeRank(2f, 3), mask);
        assertEquals(0b00110L, mask[0]);
        assertEquals(7.0, norms.total());
        assertEquals(4.0, norms.kept());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 33, 1023, 4099})
    void randomMasksAreBitIdenticalAndFollowTheCounterBasedDraw(int n) {
        float[][] t = tensors(n, 1, 5 * n + 2);
        for (double density : new double[] {0, 0.1, 0.5, 0.9, 1}) {
            for (int stream = 0; stream < 3; stream++) {
                long[] expected = mask(n);
                long[] actual = mask(n);
                Arrays.fill(actual, -1L);
                MaskNorms e = REFERENCE.randomMask(42, stream, t[1], t[0], density, expected);
                MaskNorms a = VECTOR.randomMask(42, stream, t[1], t[0], density, actual);
                assertArrayEquals(expected, actual, "density " + density + ", stream " + stream);
                assertNormsClose(e, a);
                for (int i = 0; i < n; i++) {
                    boolean kept = (expected[i >>> 6] & (1L << i)) != 0;
                    assertEquals(ElementMath.streamUniform(42, stream, i) < density, kept);
                    // the same draw as the run's random source forked for the model
                    assertEquals(new SeededRandomSource(42).fork(stream).uniform(i) < density, kept);
                }
            }
        }
    }

    @Test
    void randomMaskDoesNotDependOnChunking() {
        // A prefix of the tensor gets the prefix of the mask: element i's draw depends on i only.
        float[][] t = tensors(4099, 1, 8);
        long[] whole = mask(4099);
        VECTOR.randomMask(7, 1, t[1], t[0], 0.3, whole);
        for (int n : new int[] {1, 64, 65, 1000}) {
            long[] part = mask(n);
            VECTOR.randomMask(7, 1, Arrays.copyOf(t[1], n), Arrays.copyOf(t[0], n), 0.3, part);
            for (int i = 0; i < n; i++) {
                assertEquals((whole[i >>> 6] >>> i) & 1, (part[i >>> 6] >>> i) & 1, "element " + i);
            }
        }
    }

    @Test
    void combineMatchesHandWorkedTies() {
        // base 0; δA = [1, -2, 3], δB = [-2, 1, 1], weights 1 and 1, nothing masked.
        // sum election: S = [-1, -1, 4] → -, -, +; agreeing: [B, A, A+B]; mixed = [-2, -2, 4]
        float[] base = {0, 0, 0};
        float[][] models = {{1, -2, 3}, {-2, 1, 1}};
        float[] out = new float[3];
        double[] ones = {1, 1};
        REFERENCE.combineTaskVectors(base, models, new long[2][], new TaskVectorCombine(ones, ones, SignElection.SUM,
                false, 1.0), out);
        assertArrayEquals(new float[] {-2, -2, 4}, out);
        // normalize: divisor = agreeing shares = [1, 1, 2]
        REFERENCE.combineTaskVectors(base, models, new long[2][], new TaskVectorCombine(ones, ones, SignElection.SUM,
                true, 1.0), out);
        assertArrayEquals(new float[] {-2, -2, 2}, out);
        // count election with A's weight 3: votes tie at 0 → +; element 0 keeps A (3), element 1 keeps B (1)
        double[] weights = {3, 1};
        REFERENCE.combineTaskVectors(base, models, new long[2][], new TaskVectorCombine(weights, weights,
                SignElection.COUNT, false, 1.0), out);
        assertArrayEquals(new float[] {3, 1, 10}, out);
        // no election, λ = 0.5, B masked out at element 2: [(-1)/2, (-1)/2, 3/2]
        long[][] masks = {null, {0b011L}};
        REFERENCE.combineTaskVectors(base, models, masks, new TaskVectorCombine(ones, ones, SignElection.NONE,
                false, 0.5), out);
        assertArrayEquals(new float[] {-0.5f, -0.5f, 1.5f}, out);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 33, 1023, 4099})
    void combinesAreBitIdentical(int n) {
        float[][] t = tensors(n, 3, 7 * n + 3);
        float[][] models = {t[1], t[2], t[3]};
        long[][] masks = new long[3][];
        masks[0] = mask(n);
        REFERENCE.randomMask(1, 0, t[1], t[0], 0.5, masks[0]);
        masks[2] = mask(n);
        REFERENCE.magnitudeMask(t[3], t[0], MagnitudeRank.NONE, new MagnitudeRank(0.1f, 0), masks[2]);
        double[][] factorChoices = {{0.5, 1.5, -0.7}, {1, 1, 1}, {1e-9, -1e-9, 0}};
        for (SignElection election : SignElection.values()) {
            for (boolean normalize : new boolean[] {false, true}) {
                for (double[] factors : factorChoices) {
                    TaskVectorCombine combine = new TaskVectorCombine(factors, factors.clone(), election, normalize,
                            0.8);
                    float[] expected = new float[n];
                    float[] actual = new float[n];
                    REFERENCE.combineTaskVectors(t[0], models, masks, combine, expected);
                    VECTOR.combineTaskVectors(t[0], models, masks, combine, actual);
                    assertArrayEquals(expected, actual, election + " normalize " + normalize + " "
                            + Arrays.toString(factors));
                }
            }
        }
    }

    @Test
    void aBackendWithoutTheOperationsSaysWhichIsMissing() {
        ComputeBackend old = new ComputeBackend() {
            public String id() {
                return "old";
            }

            public String description() {
                return "old";
            }

            public int priority() {
                return 0;
            }

            public boolean isAvailable() {
                return true;
            }

            public void toFloat(java.lang.foreign.MemorySegment src, DType type, float[] dst, int count) {
            }

            public void fromFloat(float[] src, DType type, java.lang.foreign.MemorySegment dst, int count) {
            }

            public void weightedSum(float[][] inputs, float[] weights, float[] out) {
            }

            public void axpy(float a, float[] x, float[] y) {
            }

            public double dot(float[] a, float[] b) {
                return 0;
            }

            public double sumOfSquares(float[] a) {
                return 0;
            }
        };
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> old.randomMask(1, 0, new float[1], new float[1], 0.5, new long[1]));
        assertEquals(true, e.getMessage().contains("'old' does not implement randomMask"), e.getMessage());
        assertEquals(true, old.inference().isEmpty());
    }
}
