package org.evomerge.gpu.tornado.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.context.SeededRandomSource;
import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

/** The merge kernels run as plain Java (no TornadoVM runtime) against the CPU reference backend and hand-derived cases. */
class MergeKernelsJvmTest {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    static float[] random(SplittableRandom random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    static FloatArray packed(float[]... arrays) {
        int n = arrays[0].length;
        FloatArray packed = new FloatArray(arrays.length * n);
        for (int m = 0; m < arrays.length; m++) {
            for (int i = 0; i < n; i++) {
                packed.set(m * n + i, arrays[m][i]);
            }
        }
        return packed;
    }

    /**
     * The kernels compute {@code w·x + acc} through a double ({@link DeviceMath#weightedAccumulate}), which rounds as
     * the reference's {@code Math.fma} does except on a double-rounding tie (about one sum in 2^28): the same bits.
     */
    static void assertTheReferencesBits(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "element " + i);
        }
    }

    @Test
    void weightedSumAgreesWithTheReference() {
        SplittableRandom random = new SplittableRandom(1);
        int n = 1001;
        float[][] inputs = {random(random, n), random(random, n), random(random, n)};
        float[] weights = {0.5f, -1.25f, 0.3f};
        float[] expected = new float[n];
        REFERENCE.weightedSum(inputs, weights, expected);
        FloatArray out = new FloatArray(n);
        MergeKernels.weightedSum(packed(inputs), FloatArray.fromArray(weights), out, 3, n);
        assertTheReferencesBits(expected, out.toHeapArray());
    }

    @Test
    void axpyAgreesWithTheReference() {
        SplittableRandom random = new SplittableRandom(2);
        float[] x = random(random, 777);
        float[] y = random(random, 777);
        FloatArray device = FloatArray.fromArray(y);
        REFERENCE.axpy(-0.75f, x, y);
        MergeKernels.axpy(-0.75f, FloatArray.fromArray(x), device, 777);
        assertTheReferencesBits(y, device.toHeapArray());
    }

    @Test
    void twoPhaseReductionsAgreeWithSequentialDoubleSums() {
        SplittableRandom random = new SplittableRandom(3);
        int n = 10_007;
        float[] a = random(random, n);
        float[] b = random(random, n);
        int chunk = 512;
        int chunks = (n + chunk - 1) / chunk;
        DoubleArray partials = new DoubleArray(chunks);
        DoubleArray result = new DoubleArray(1);
        MergeKernels.partialDots(FloatArray.fromArray(a), FloatArray.fromArray(b), partials, n, chunk, chunks);
        MergeKernels.sumPartials(partials, result, chunks);
        assertEquals(REFERENCE.dot(a, b), result.get(0), 1e-9 * n);
        MergeKernels.partialSumsOfSquares(FloatArray.fromArray(a), partials, n, chunk, chunks);
        MergeKernels.sumPartials(partials, result, chunks);
        assertEquals(REFERENCE.sumOfSquares(a), result.get(0), 1e-9 * n);
    }

    @Test
    void twoPhaseSumOfSquaresOnAHandCase() {
        // 1² + 2² + 3² + 4² + 5² = 55, in chunks of 2: (5, 25, 25).
        DoubleArray partials = new DoubleArray(3);
        DoubleArray result = new DoubleArray(1);
        MergeKernels.partialSumsOfSquares(FloatArray.fromElements(1, 2, 3, 4, 5), partials, 5, 2, 3);
        assertArrayEquals(new double[] {5, 25, 25}, partials.toHeapArray());
        MergeKernels.sumPartials(partials, result, 3);
        assertEquals(55.0, result.get(0));
    }

    @Test
    void dareMaskDrawsWhatTheCpuRandomSourceDraws() {
        int n = 5000;
        long[] seeds = {new SeededRandomSource(7).fork("layer.0.weight").fork(0).bits(0), 99L};
        double[] densities = {0.3, 0.8};
        FloatArray keep = new FloatArray(2 * n);
        MergeKernels.dareMask(LongArray.fromArray(seeds), DoubleArray.fromArray(densities), keep, 2, n);
        for (int m = 0; m < 2; m++) {
            SeededRandomSource source = new SeededRandomSource(seeds[m]);
            for (int i = 0; i < n; i++) {
                assertEquals(source.uniform(i) < densities[m] ? 1f : 0f, keep.get(m * n + i), "model " + m + " i " + i);
            }
        }
    }

    @Test
    void trimKeepsMagnitudesAtOrAboveTheThreshold() {
        FloatArray base = FloatArray.fromElements(1, 1, 1, 1);
        FloatArray values = FloatArray.fromElements(1.5f, 0.9f, 3f, 1f, /* model 1 */ -1f, 1.2f, 1f, 2f);
        FloatArray keep = new FloatArray(8);
        MergeKernels.trimByMagnitude(values, base, FloatArray.fromElements(0.5f, 1f), keep, 2, 4);
        assertArrayEquals(new float[] {1, 0, 1, 0, 1, 0, 0, 1}, keep.toHeapArray());
    }

    @Test
    void l1NormsBeforeAndAfterDropping() {
        FloatArray base = FloatArray.fromElements(0, 0, 0);
        FloatArray values = FloatArray.fromElements(1, -2, 3);
        FloatArray keep = FloatArray.fromElements(1, 0, 1);
        DoubleArray before = new DoubleArray(2);
        DoubleArray after = new DoubleArray(2);
        MergeKernels.partialL1Norms(values, base, keep, before, after, 1, 3, 2, 2);
        assertArrayEquals(new double[] {3, 3}, before.toHeapArray());
        assertArrayEquals(new double[] {1, 3}, after.toHeapArray());
    }

    @Test
    void consensusCombineOnHandDerivedElements() {
        // base 0; three models with weights 1, deltas per element:
        //  e0: (+1, +2, -4): sum -1 elects -, only -4 agrees: mixed -4, divisor 1 -> -4
        //  e1: (+1, +2, -1): sum +2 elects +, 1 and 2 agree: mixed 3, divisor 2 -> 1.5
        //  e2: (0, 0, 0): sum 0 elects +, nobody agrees: mixed 0, divisor guarded to 1 -> 0
        //  e3: (+3, -1, -1): sum election: +1 elects +, 3 / 1 -> 3; count election: votes -1 elects -, -2 / 2 -> -1
        // With count election e0 changes too: votes +1 elect +, (1 + 2) / 2 -> 1.5.
        FloatArray base = new FloatArray(4);
        base.init(0f);
        FloatArray values = FloatArray.fromElements(1, 1, 0, 3, /* m1 */ 2, 2, 0, -1, /* m2 */ -4, -1, 0, -1);
        FloatArray keep = new FloatArray(12);
        keep.init(1f);
        DoubleArray ones = DoubleArray.fromElements(1, 1, 1);
        FloatArray out = new FloatArray(4);
        MergeKernels.consensusCombine(base, values, keep, ones, ones, out, 3, 4, 0, 1, 1.0);
        assertArrayEquals(new float[] {-4f, 1.5f, 0f, 3f}, out.toHeapArray());
        MergeKernels.consensusCombine(base, values, keep, ones, ones, out, 3, 4, 1, 1, 1.0);
        assertArrayEquals(new float[] {1.5f, 1.5f, 0f, -1f}, out.toHeapArray());
        // Without normalize and with lambda 2: e1 = 2·(1+2) = 6.
        MergeKernels.consensusCombine(base, values, keep, ones, ones, out, 3, 4, 0, 0, 2.0);
        assertEquals(6f, out.get(1));
    }

    @Test
    void consensusCombineMatchesAnIndependentDoubleReference() {
        SplittableRandom random = new SplittableRandom(5);
        int n = 2000;
        int models = 3;
        float[] base = random(random, n);
        float[][] values = {random(random, n), random(random, n), random(random, n)};
        double[] factors = {0.7, 1.3, 0.4};
        float[] keep = new float[models * n];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = random.nextDouble() < 0.6 ? 1f : 0f;
        }
        FloatArray out = new FloatArray(n);
        MergeKernels.consensusCombine(FloatArray.fromArray(base), packed(values), FloatArray.fromArray(keep),
                DoubleArray.fromArray(factors), DoubleArray.fromArray(factors), out, models, n, 0, 1, 0.9);
        for (int i = 0; i < n; i++) {
            double[] v = new double[models];
            double sum = 0;
            for (int m = 0; m < models; m++) {
                v[m] = ((double) (values[m][i] - base[i])) * factors[m] * keep[m * n + i];
                sum += v[m];
            }
            double sign = sum >= 0 ? 1 : -1;
            double mixed = 0;
            double divisor = 0;
            for (int m = 0; m < models; m++) {
                if (v[m] != 0 && Math.signum(v[m]) == sign) {
                    mixed += v[m];
                    divisor += factors[m];
                }
            }
            double expected = base[i] + mixed / (Math.abs(divisor) < 1e-8 ? 1 : divisor) * 0.9;
            assertEquals((float) expected, out.get(i), "element " + i);
        }
    }

    @Test
    void linearCombineIsTaskArithmetic() {
        // base (1, 2), models (2, 2) and (1, 4), factors 1 and 0.5, divisor 1.5, lambda 1:
        // e0 = 1 + (1 + 0)/1.5, e1 = 2 + (0 + 1)/1.5
        FloatArray out = new FloatArray(2);
        FloatArray keep = new FloatArray(4);
        keep.init(1f);
        MergeKernels.linearCombine(FloatArray.fromElements(1, 2), FloatArray.fromElements(2, 2, 1, 4), keep,
                DoubleArray.fromElements(1, 0.5), out, 2, 2, 1.5, 1.0);
        assertArrayEquals(new float[] {(float) (1 + 1 / 1.5), (float) (2 + 1 / 1.5)}, out.toHeapArray());
    }
}
