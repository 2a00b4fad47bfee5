package org.evomerge.gpu.tornado.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.SignElection;
import org.evomerge.api.compute.TaskVectorCombine;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.kernels.ElementMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

/**
 * The kernels behind the backend's merge operations, run as plain Java, against the CPU reference backend on awkward
 * sizes with ±0, unchanged elements and tied magnitudes: the same masks, task vectors, combinations and combines bit
 * for bit, and the L1 norms within double rounding.
 */
class BackendOperationsJvmTest {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private static float[][] tensors(int n, int models, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] out = new float[models + 1][n];
        for (int i = 0; i < n; i++) {
            out[0][i] = i % 11 == 0 ? 0f : i % 11 == 1 ? -0f : (float) random.nextGaussian();
            for (int m = 1; m <= models; m++) {
                out[m][i] = switch ((i + m) % 9) {
                    case 0 -> out[0][i];
                    case 1 -> out[0][i] + 0.25f;
                    case 2 -> out[0][i] - 0.25f;
                    case 3 -> -0f;
                    default -> out[0][i] + (float) (random.nextGaussian() * 0.1);
                };
            }
        }
        return out;
    }

    private static long[] bits(FloatArray keep, int offset, int n) {
        long[] mask = new long[(n + 63) >>> 6];
        for (int i = 0; i < n; i++) {
            if (keep.get(offset + i) != 0f) {
                mask[i >>> 6] |= 1L << i;
            }
        }
        return mask;
    }

    private static MaskNorms norms(FloatArray values, FloatArray base, FloatArray keep, int n) {
        int chunk = 64;
        int chunks = Math.max(1, (n + chunk - 1) / chunk);
        DoubleArray before = new DoubleArray(chunks);
        DoubleArray after = new DoubleArray(chunks);
        MergeKernels.partialL1Norms(values, base, keep, before, after, 1, n, chunk, chunks);
        double total = 0;
        double kept = 0;
        for (int c = 0; c < chunks; c++) {
            total += before.get(c);
            kept += after.get(c);
        }
        return new MaskNorms(total, kept);
    }

    private static void assertNormsClose(MaskNorms expected, MaskNorms actual) {
        assertEquals(expected.total(), actual.total(), 1e-12 * Math.max(1, expected.total()));
        assertEquals(expected.kept(), actual.kept(), 1e-12 * Math.max(1, expected.kept()));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 1023, 4099})
    void dareMaskIsTheReferenceMask(int n) {
        float[][] t = tensors(n, 1, n);
        FloatArray values = FloatArray.fromArray(t[1]);
        FloatArray base = FloatArray.fromArray(t[0]);
        for (double density : new double[] {0, 0.3, 0.9}) {
            for (int stream = 0; stream < 3; stream++) {
                FloatArray keep = new FloatArray(n);
                MergeKernels.dareMask(LongArray.fromElements(ElementMath.streamSeed(17, stream)),
                        DoubleArray.fromElements(density), keep, 1, n);
                long[] expected = new long[(n + 63) >>> 6];
                MaskNorms reference = REFERENCE.randomMask(17, stream, t[1], t[0], density, expected);
                assertArrayEquals(expected, bits(keep, 0, n));
                assertNormsClose(reference, norms(values, base, keep, n));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 1023, 4099})
    void rankMaskIsTheReferenceMagnitudeMask(int n) {
        float[][] t = tensors(n, 1, 2L * n);
        MagnitudeRank[][] ranges = {
            {MagnitudeRank.NONE, new MagnitudeRank(0.25f, n / 2)},
            {new MagnitudeRank(0.3f, 0), new MagnitudeRank(0.05f, Integer.MAX_VALUE)},
            {MagnitudeRank.NONE, MagnitudeRank.ALL},
        };
        for (MagnitudeRank[] range : ranges) {
            FloatArray keep = new FloatArray(n);
            MergeKernels.rankMask(FloatArray.fromArray(t[1]), FloatArray.fromArray(t[0]),
                    FloatArray.fromElements(range[0].threshold(), range[1].threshold()),
                    IntArray.fromElements(range[0].tieIndex(), range[1].tieIndex()), keep, n);
            long[] expected = new long[(n + 63) >>> 6];
            MaskNorms reference = REFERENCE.magnitudeMask(t[1], t[0], range[0], range[1], expected);
            assertArrayEquals(expected, bits(keep, 0, n));
            assertNormsClose(reference, norms(FloatArray.fromArray(t[1]), FloatArray.fromArray(t[0]), keep, n));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 1023, 4099})
    void combinesAreTheReferenceCombines(int n) {
        float[][] t = tensors(n, 3, 3L * n);
        float[][] models = {t[1], t[2], t[3]};
        long[][] masks = {new long[(n + 63) >>> 6], null, new long[(n + 63) >>> 6]};
        REFERENCE.randomMask(3, 0, t[1], t[0], 0.5, masks[0]);
        REFERENCE.magnitudeMask(t[3], t[0], MagnitudeRank.NONE, new MagnitudeRank(0.1f, 0), masks[2]);
        FloatArray values = new FloatArray(3 * n);
        FloatArray keep = new FloatArray(3 * n);
        for (int m = 0; m < 3; m++) {
            for (int i = 0; i < n; i++) {
                values.set(m * n + i, models[m][i]);
                keep.set(m * n + i, masks[m] == null || (masks[m][i >>> 6] & (1L << i)) != 0 ? 1f : 0f);
            }
        }
        double[] factors = {0.5, 1.5, -0.7};
        for (SignElection election : SignElection.values()) {
            for (boolean normalize : new boolean[] {false, true}) {
                TaskVectorCombine combine = new TaskVectorCombine(factors, factors, election, normalize, 0.8);
                float[] expected = new float[n];
                REFERENCE.combineTaskVectors(t[0], models, masks, combine, expected);
                FloatArray out = new FloatArray(n);
                if (election == SignElection.NONE) {
                    double divisor = normalize ? ElementMath.guardedDivisor(0.5 + 1.5 - 0.7) : 1.0;
                    MergeKernels.linearCombine(FloatArray.fromArray(t[0]), values, keep,
                            DoubleArray.fromArray(factors), out, 3, n, divisor, 0.8);
                } else {
                    MergeKernels.consensusCombine(FloatArray.fromArray(t[0]), values, keep,
                            DoubleArray.fromArray(factors), DoubleArray.fromArray(factors), out, 3, n,
                            election == SignElection.COUNT ? 1 : 0, normalize ? 1 : 0, 0.8);
                }
                assertArrayEquals(expected, out.toHeapArray(), election + " normalize " + normalize);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 1023, 4099})
    void taskVectorAndLinearCombinationAreTheReferenceOnes(int n) {
        float[][] t = tensors(n, 1, 5L * n);
        float[] expected = new float[n];
        FloatArray out = new FloatArray(n);
        REFERENCE.taskVector(t[1], t[0], expected);
        MergeKernels.taskVector(FloatArray.fromArray(t[1]), FloatArray.fromArray(t[0]), out, n);
        assertArrayEquals(expected, out.toHeapArray());
        REFERENCE.linearCombination(t[1], 0.3, t[0], 0.7, expected);
        MergeKernels.linearCombination(FloatArray.fromArray(t[1]), FloatArray.fromArray(t[0]),
                DoubleArray.fromElements(0.3, 0.7), out, n);
        assertArrayEquals(expected, out.toHeapArray());
    }
}
