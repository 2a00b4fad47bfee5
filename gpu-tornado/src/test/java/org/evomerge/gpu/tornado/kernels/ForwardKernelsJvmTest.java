package org.evomerge.gpu.tornado.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.evomerge.api.compute.AttentionShape;
import org.evomerge.api.compute.GateActivation;
import org.evomerge.inference.CpuInferenceOperations;
import org.evomerge.kernels.FloatCodecs;
import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * The forward-pass kernels run as plain Java against the CPU inference kernels ({@link CpuInferenceOperations}) and
 * against the one-token kernels: the batched products give each row the bits of its one-token product and leave the
 * rows past the count alone; RMSNorm and the rotary embedding have the CPU's bits; attention (whose exponential
 * differs from the CPU's vectorised one) agrees to float rounding, with a sliding window and a soft cap.
 */
class ForwardKernelsJvmTest {

    private static final CpuInferenceOperations CPU = new CpuInferenceOperations(1);

    private static float[] random(SplittableRandom random, int n) {
        return MergeKernelsJvmTest.random(random, n);
    }

    private static IntArray ints(int... values) {
        return IntArray.fromArray(values);
    }

    /** Row t of the batched output equals matVec of row t of the input; rows past the count stay untouched. */
    private static void assertRowsAreOneTokenProducts(FloatArray y, int count, int capacity, int rows,
                                                      IntFunction<float[]> oneToken) {
        float[] all = y.toHeapArray();
        for (int t = 0; t < capacity; t++) {
            float[] expected = t < count ? oneToken.apply(t) : new float[rows];
            float[] got = Arrays.copyOfRange(all, t * rows, (t + 1) * rows);
            assertArrayEquals(expected, got, "row " + t);
        }
    }

    @Test
    void matMulF32RowsAreOneTokenProducts() {
        SplittableRandom random = new SplittableRandom(31);
        int rows = 19;
        int cols = 70;
        int capacity = 8;
        int count = 5;
        FloatArray w = FloatArray.fromArray(random(random, rows * cols));
        FloatArray x = FloatArray.fromArray(random(random, capacity * cols));
        FloatArray y = new FloatArray(capacity * rows);
        ForwardKernels.matMulF32(w, x, y, ints(count), rows, cols, capacity);
        assertRowsAreOneTokenProducts(y, count, capacity, rows, t -> {
            FloatArray one = new FloatArray(rows);
            InferenceKernels.matVecF32(w, FloatArray.fromArray(slice(x, t * cols, cols)), one, rows, cols);
            return one.toHeapArray();
        });
    }

    @Test
    void matMulF16RowsAreOneTokenProducts() {
        SplittableRandom random = new SplittableRandom(32);
        int rows = 7;
        int cols = 64;
        int capacity = 4;
        float[] dense = random(random, rows * cols);
        short[] codes = new short[dense.length];
        for (int i = 0; i < dense.length; i++) {
            codes[i] = FloatCodecs.floatToF16(dense[i]);
        }
        ShortArray w = ShortArray.fromArray(codes);
        FloatArray x = FloatArray.fromArray(random(random, capacity * cols));
        FloatArray y = new FloatArray(capacity * rows);
        ForwardKernels.matMulF16(w, x, y, ints(3), rows, cols, capacity);
        assertRowsAreOneTokenProducts(y, 3, capacity, rows, t -> {
            FloatArray one = new FloatArray(rows);
            InferenceKernels.matVecF16(w, FloatArray.fromArray(slice(x, t * cols, cols)), one, rows, cols);
            return one.toHeapArray();
        });
    }

    @Test
    void matMulQ8_0RowsAreOneTokenProducts() {
        SplittableRandom random = new SplittableRandom(33);
        int rows = 6;
        int cols = 96;
        int capacity = 4;
        byte[] blocks = new byte[rows * (cols / 32) * 34];
        for (int b = 0; b < blocks.length / 34; b++) {
            short scale = FloatCodecs.floatToF16((float) (0.01 + random.nextDouble() * 0.05));
            blocks[b * 34] = (byte) scale;
            blocks[b * 34 + 1] = (byte) (scale >> 8);
            for (int j = 0; j < 32; j++) {
                blocks[b * 34 + 2 + j] = (byte) (random.nextInt(255) - 127);
            }
        }
        ByteArray w = ByteArray.fromArray(blocks);
        FloatArray x = FloatArray.fromArray(random(random, capacity * cols));
        FloatArray y = new FloatArray(capacity * rows);
        ForwardKernels.matMulQ8_0(w, x, y, ints(4), rows, cols, capacity);
        assertRowsAreOneTokenProducts(y, 4, capacity, rows, t -> {
            FloatArray one = new FloatArray(rows);
            InferenceKernels.matVecQ8_0(w, FloatArray.fromArray(slice(x, t * cols, cols)), one, rows, cols);
            return one.toHeapArray();
        });
    }

    private static float[] slice(FloatArray array, int from, int length) {
        return Arrays.copyOfRange(array.toHeapArray(), from, from + length);
    }

    @Test
    void rmsNormRowsHaveTheCpuBits() {
        SplittableRandom random = new SplittableRandom(34);
        int width = 48;
        int rows = 5;
        int capacity = 8;
        float[] x = random(random, capacity * width);
        float[] weight = random(random, width);
        float[] expected = new float[rows * width];
        CPU.rmsNorm(x, weight, 1e-6, rows, expected);
        FloatArray out = new FloatArray(capacity * width);
        ForwardKernels.rmsNormRows(FloatArray.fromArray(x), FloatArray.fromArray(weight), out, ints(rows),
                DoubleArray.fromArray(new double[] {1e-6}), width, capacity);
        assertArrayEquals(expected, Arrays.copyOf(out.toHeapArray(), rows * width));
        for (int i = rows * width; i < capacity * width; i++) {
            assertEquals(0f, out.get(i), "row past the count, element " + i);
        }
    }

    @Test
    void ropeRowsHaveTheCpuBitsPerRow() {
        SplittableRandom random = new SplittableRandom(35);
        int heads = 3;
        int headDim = 8;
        int rowStride = heads * headDim + 5;
        int rows = 4;
        int half = headDim / 2;
        float[] x = random(random, rows * rowStride);
        float[] cos = new float[rows * half];
        float[] sin = new float[rows * half];
        for (int i = 0; i < cos.length; i++) {
            double angle = random.nextDouble() * 6;
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
        float[] expected = x.clone();
        for (int t = 0; t < rows; t++) {
            CPU.rope(expected, t * rowStride, heads, headDim, Arrays.copyOfRange(cos, t * half, t * half + half),
                    Arrays.copyOfRange(sin, t * half, t * half + half));
        }
        FloatArray device = FloatArray.fromArray(x);
        ForwardKernels.ropeRows(device, FloatArray.fromArray(cos), FloatArray.fromArray(sin), ints(rows), rowStride,
                heads, headDim, rows);
        assertArrayEquals(expected, device.toHeapArray());
    }

    @Test
    void attentionRowsAgreeWithTheCpuKernels() {
        SplittableRandom random = new SplittableRandom(36);
        int heads = 4;
        int kvHeads = 2;
        int headDim = 16;
        int start = 5;
        int tokens = 3;
        int capacity = 4;
        int contextCapacity = 16;
        float[] keys = random(random, contextCapacity * kvHeads * headDim);
        float[] values = random(random, contextCapacity * kvHeads * headDim);
        float[] q = random(random, capacity * heads * headDim);
        for (AttentionShape shape : new AttentionShape[] {
                new AttentionShape(heads, kvHeads, headDim, 0),
                new AttentionShape(heads, kvHeads, headDim, 3, 0.2f, 1.5f)}) {
            float[] expected = new float[tokens * heads * headDim];
            CPU.attention(shape, keys, values, q, start, tokens, expected);
            FloatArray out = new FloatArray(capacity * heads * headDim);
            ForwardKernels.attentionRows(FloatArray.fromArray(q), FloatArray.fromArray(keys),
                    FloatArray.fromArray(values), new FloatArray(capacity * heads * contextCapacity), out,
                    ints(start, tokens), FloatArray.fromArray(new float[] {shape.scale(), shape.softCap()}), heads,
                    kvHeads, headDim, shape.slidingWindow(), capacity, contextCapacity);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], out.get(i), 1e-5 * (1 + Math.abs(expected[i])), shape + ", element " + i);
            }
        }
    }

    @Test
    void gatedActivationAgreesWithTheCpuKernels() {
        SplittableRandom random = new SplittableRandom(38);
        int n = 1000;
        int capacity = 1024;
        float[] gate = random(random, n);
        float[] up = random(random, n);
        for (GateActivation activation : GateActivation.values()) {
            float[] expected = gate.clone();
            CPU.gatedActivation(activation, expected, up, n);
            FloatArray device = FloatArray.fromArray(Arrays.copyOf(gate, capacity));
            ForwardKernels.gatedActivation(device, FloatArray.fromArray(Arrays.copyOf(up, capacity)),
                    ints(n, activation == GateActivation.SILU ? ForwardKernels.SILU : ForwardKernels.GELU_TANH),
                    capacity);
            for (int i = 0; i < n; i++) {
                assertEquals(expected[i], device.get(i), 1e-6 * (1 + Math.abs(expected[i])), activation + " " + i);
            }
        }
    }

    @Test
    void softCapAgreesWithStrictMathTanh() {
        SplittableRandom random = new SplittableRandom(37);
        for (int i = 0; i < 10_000; i++) {
            float x = (float) (random.nextGaussian() * 80);
            float cap = 30f;
            float expected = (float) (cap * StrictMath.tanh(x / (double) cap));
            assertEquals(expected, DeviceMath.softCap(x, cap), Math.ulp(expected), "x = " + x);
        }
        assertEquals(30f, DeviceMath.softCap(1e30f, 30f));
        assertEquals(-30f, DeviceMath.softCap(-1e30f, 30f));
    }
}
