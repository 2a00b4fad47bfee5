package org.evomerge.gpu.tornado.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.evomerge.kernels.FloatCodecs;
import org.evomerge.kernels.QuantCodecs;
import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
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
