package org.evomerge.gpu.tornado.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.evomerge.kernels.FloatCodecs;
import org.evomerge.kernels.QuantCodecs;
import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/** The inference kernels run as plain Java against double-precision references and the CPU decoders. */
class InferenceKernelsJvmTest {

    static float[] random(SplittableRandom random, int n) {
        return MergeKernelsJvmTest.random(random, n);
    }

    static double[] matVecReference(float[] w, float[] x, int rows, int cols) {
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                y[r] += (double) w[r * cols + c] * x[c];
            }
        }
        return y;
    }

    static void assertClose(double[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, "element " + i);
        }
    }

    @Test
    void matVecF32AgreesWithDouble() {
        SplittableRandom random = new SplittableRandom(11);
        int rows = 37;
        int cols = 129;
        float[] w = random(random, rows * cols);
        float[] x = random(random, cols);
        FloatArray y = new FloatArray(rows);
        InferenceKernels.matVecF32(FloatArray.fromArray(w), FloatArray.fromArray(x), y, rows, cols);
        assertClose(matVecReference(w, x, rows, cols), y.toHeapArray(), 1e-4);
    }

    @Test
    void matVecF16DecodesWithTheCpuCodec() {
        SplittableRandom random = new SplittableRandom(12);
        int rows = 9;
        int cols = 64;
        float[] dense = random(random, rows * cols);
        short[] codes = new short[dense.length];
        float[] decoded = new float[dense.length];
        for (int i = 0; i < dense.length; i++) {
            codes[i] = FloatCodecs.floatToF16(dense[i]);
            decoded[i] = FloatCodecs.f16ToFloat(codes[i]);
        }
        float[] x = random(random, cols);
        FloatArray y = new FloatArray(rows);
        InferenceKernels.matVecF16(ShortArray.fromArray(codes), FloatArray.fromArray(x), y, rows, cols);
        assertClose(matVecReference(decoded, x, rows, cols), y.toHeapArray(), 1e-4);
    }

    @Test
    void matVecQ8_0AgreesWithTheCpuBlockDecoder() {
        SplittableRandom random = new SplittableRandom(13);
        int rows = 5;
        int cols = 96;
        int blocks = rows * cols / 32;
        byte[] raw = new byte[blocks * 34];
        for (int b = 0; b < blocks; b++) {
            short scale = FloatCodecs.floatToF16((float) (0.01 + random.nextDouble() * 0.05));
            raw[b * 34] = (byte) scale;
            raw[b * 34 + 1] = (byte) (scale >> 8);
            for (int j = 0; j < 32; j++) {
                raw[b * 34 + 2 + j] = (byte) (random.nextInt(255) - 127);
            }
        }
        float[] decoded = new float[rows * cols];
        MemorySegment segment = MemorySegment.ofArray(raw);
        for (int b = 0; b < blocks; b++) {
            QuantCodecs.decodeQ8_0(segment, (long) b * 34, decoded, b * 32);
        }
        float[] x = random(random, cols);
        FloatArray y = new FloatArray(rows);
        InferenceKernels.matVecQ8_0(ByteArray.fromArray(raw), FloatArray.fromArray(x), y, rows, cols);
        assertClose(matVecReference(decoded, x, rows, cols), y.toHeapArray(), 1e-3);
    }

    @Test
    void matMulIsABatchOfMatVecs() {
        SplittableRandom random = new SplittableRandom(14);
        int rows = 7;
        int cols = 33;
        int batch = 4;
        float[] w = random(random, rows * cols);
        float[] x = random(random, batch * cols);
        FloatArray y = new FloatArray(batch * rows);
        InferenceKernels.matMulF32(FloatArray.fromArray(w), FloatArray.fromArray(x), y, rows, cols, batch);
        for (int t = 0; t < batch; t++) {
            float[] one = java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols);
            FloatArray single = new FloatArray(rows);
            InferenceKernels.matVecF32(FloatArray.fromArray(w), FloatArray.fromArray(one), single, rows, cols);
            for (int r = 0; r < rows; r++) {
                assertEquals(single.get(r), y.get(t * rows + r));
            }
        }
    }

    @Test
    void rmsNormTwoPhaseMatchesTheFormula() {
        SplittableRandom random = new SplittableRandom(15);
        int n = 1000;
        float[] x = random(random, n);
        float[] weight = random(random, n);
        int chunk = 64;
        int chunks = (n + chunk - 1) / chunk;
        DoubleArray partials = new DoubleArray(chunks);
        FloatArray scale = new FloatArray(1);
        FloatArray out = new FloatArray(n);
        InferenceKernels.rmsPartials(FloatArray.fromArray(x), partials, n, chunk, chunks);
        InferenceKernels.rmsScale(partials, scale, chunks, n, 1e-6f);
        InferenceKernels.rmsApply(FloatArray.fromArray(x), FloatArray.fromArray(weight), scale, out, n);
        double sumOfSquares = 0;
        for (float v : x) {
            sumOfSquares += (double) v * v;
        }
        double inverseRms = 1 / Math.sqrt(sumOfSquares / n + 1e-6);
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) {
            expected[i] = weight[i] * x[i] * inverseRms;
        }
        assertClose(expected, out.toHeapArray(), 1e-5);
    }

    @Test
    void ropeRotatesPairsInBothLayouts() {
        // One head of size 4, position 1, theta 10000: pair 0 turns by 1 rad, pair 1 by 1/100 rad.
        float[] x = {1, 2, 3, 4};
        FloatArray interleaved = FloatArray.fromArray(x);
        InferenceKernels.rope(interleaved, 1, 4, 1, 10000f, 0);
        double[] expected = {
            Math.cos(1) - 2 * Math.sin(1), Math.sin(1) + 2 * Math.cos(1),
            3 * Math.cos(0.01) - 4 * Math.sin(0.01), 3 * Math.sin(0.01) + 4 * Math.cos(0.01)};
        assertClose(expected, interleaved.toHeapArray(), 1e-6);

        FloatArray neox = FloatArray.fromArray(x);
        InferenceKernels.rope(neox, 1, 4, 1, 10000f, 1);
        double[] expectedNeox = {
            Math.cos(1) - 3 * Math.sin(1), 2 * Math.cos(0.01) - 4 * Math.sin(0.01),
            Math.sin(1) + 3 * Math.cos(1), 2 * Math.sin(0.01) + 4 * Math.cos(0.01)};
        assertClose(expectedNeox, neox.toHeapArray(), 1e-6);
    }

    @Test
    void softmaxRowsSumToOneAndFollowExp() {
        FloatArray x = FloatArray.fromElements(0, 1, 2, /* row 1 */ 1000, 1000, 1000);
        InferenceKernels.softmaxRows(x, 2, 3);
        double z = 1 + Math.E + Math.E * Math.E;
        assertClose(new double[] {1 / z, Math.E / z, Math.E * Math.E / z, 1 / 3.0, 1 / 3.0, 1 / 3.0},
                x.toHeapArray(), 1e-6);
    }

    @Test
    void attentionWithGroupedKvHeadsMatchesDouble() {
        SplittableRandom random = new SplittableRandom(16);
        int heads = 4;
        int kvHeads = 2;
        int headSize = 8;
        int length = 6;
        int capacity = 10;
        float[] q = random(random, heads * headSize);
        float[] keys = random(random, capacity * kvHeads * headSize);
        float[] values = random(random, capacity * kvHeads * headSize);
        FloatArray out = new FloatArray(heads * headSize);
        InferenceKernels.attention(FloatArray.fromArray(q), FloatArray.fromArray(keys), FloatArray.fromArray(values),
                new FloatArray(heads * capacity), out, heads, kvHeads, headSize, length, capacity);
        double[] expected = new double[heads * headSize];
        for (int h = 0; h < heads; h++) {
            int kv = h / (heads / kvHeads);
            double[] p = new double[length];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < length; t++) {
                for (int d = 0; d < headSize; d++) {
                    p[t] += (double) q[h * headSize + d] * keys[(t * kvHeads + kv) * headSize + d];
                }
                p[t] /= Math.sqrt(headSize);
                max = Math.max(max, p[t]);
            }
            double sum = 0;
            for (int t = 0; t < length; t++) {
                p[t] = Math.exp(p[t] - max);
                sum += p[t];
            }
            for (int t = 0; t < length; t++) {
                for (int d = 0; d < headSize; d++) {
                    expected[h * headSize + d] += p[t] / sum * values[(t * kvHeads + kv) * headSize + d];
                }
            }
        }
        assertClose(expected, out.toHeapArray(), 1e-5);
    }

    @Test
    void q8ScaleBytesAreReadLittleEndian() {
        // A block with scale 0.5 (0x3800) and all quants 2, against x = 1: 32 · 2 · 0.5 = 32.
        byte[] raw = new byte[34];
        raw[0] = 0x00;
        raw[1] = 0x38;
        java.util.Arrays.fill(raw, 2, 34, (byte) 2);
        FloatArray x = new FloatArray(32);
        x.init(1f);
        FloatArray y = new FloatArray(1);
        InferenceKernels.matVecQ8_0(ByteArray.fromArray(raw), x, y, 1, 32);
        assertArrayEquals(new float[] {32f}, y.toHeapArray());
    }
}
