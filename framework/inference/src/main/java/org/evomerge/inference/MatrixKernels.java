package org.evomerge.inference;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API inner loops of the forward pass: dot products (plain, and fused with the decoding of a stored row
 * so a weight is read once, in its stored width) and a 4×4 register-blocked kernel that matrix-matrix products are
 * built from. Static, allocation-free; every method handles lengths that are not a multiple of the vector width.
 */
final class MatrixKernels {

    /** The widest float species with at least 8 lanes (AVX-512: 16, AVX2: 8). */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() >= 8
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_256;
    private static final int L = F.length();
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    private MatrixKernels() {
    }

    /** {@code Σ a[aOff + i] · b[bOff + i]} for {@code i < n}. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), acc1);
        }
        for (; i <= n - L; i += L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /** Dot of a stored float32 row at byte {@code offset} of {@code w} with {@code x[xOff ..+n)}. */
    static float dotF32(MemorySegment w, long offset, float[] x, int xOff, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            acc0 = FloatVector.fromMemorySegment(F, w, offset + 4L * i, LE).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = FloatVector.fromMemorySegment(F, w, offset + 4L * (i + L), LE)
                    .fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
        }
        for (; i <= n - L; i += L) {
            acc0 = FloatVector.fromMemorySegment(F, w, offset + 4L * i, LE).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += w.get(FLOAT, offset + 4L * i) * x[xOff + i];
        }
        return sum;
    }

    /**
     * Dot of a stored bfloat16 row with {@code x}: each lane widens the 16 stored bits to the top of a float32, which
     * is exact, so the weight is decoded in registers and never written anywhere.
     */
    static float dotBf16(MemorySegment w, long offset, float[] x, int xOff, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            acc0 = bf16(w, offset + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = bf16(w, offset + 2L * (i + L)).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
        }
        for (; i <= n - L; i += L) {
            acc0 = bf16(w, offset + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += Float.intBitsToFloat(w.get(SHORT, offset + 2L * i) << 16) * x[xOff + i];
        }
        return sum;
    }

    private static FloatVector bf16(MemorySegment w, long offset) {
        return ((IntVector) ShortVector.fromMemorySegment(S, w, offset, LE).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * Dot of a stored Q8_0 row ({@code n / 32} blocks of an fp16 scale and 32 signed bytes) with {@code x}: each
     * block's bytes are widened to floats in registers, dotted with {@code x}, and the block sum scaled once.
     *
     * @param n a multiple of 32
     */
    static float dotQ8_0(MemorySegment w, long offset, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        long block = offset;
        for (int i = 0; i < n; i += 32, block += 34) {
            float d = Float.float16ToFloat(w.get(SHORT, block));
            FloatVector sum = FloatVector.zero(F);
            for (int j = 0; j < 32; j += L) {
                FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, w, block + 2 + j, LE)
                        .convertShape(VectorOperators.B2F, F, 0);
                sum = q.fma(FloatVector.fromArray(F, x, xOff + i + j), sum);
            }
            acc = sum.fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * The register-blocked core of a matrix-matrix product: {@code out[outOff + t·outStride + r] = Σ_k w[wOff +
     * r·wStride + k] · x[xOff + t·xStride + k]} for four weight rows {@code r} and four token rows {@code t}. Each
     * loaded weight vector is used for four tokens and each token vector for four rows: 16 independent accumulators
     * keep the FMA units busy with half a load per FMA.
     */
    static void block4x4(float[] w, int wOff, int wStride, float[] x, int xOff, int xStride, int n,
                         float[] out, int outOff, int outStride) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int w0 = wOff, w1 = wOff + wStride, w2 = wOff + 2 * wStride, w3 = wOff + 3 * wStride;
        int x0 = xOff, x1 = xOff + xStride, x2 = xOff + 2 * xStride, x3 = xOff + 3 * xStride;
        int k = 0;
        for (; k <= n - L; k += L) {
            FloatVector a0 = FloatVector.fromArray(F, w, w0 + k);
            FloatVector a1 = FloatVector.fromArray(F, w, w1 + k);
            FloatVector a2 = FloatVector.fromArray(F, w, w2 + k);
            FloatVector a3 = FloatVector.fromArray(F, w, w3 + k);
            FloatVector b = FloatVector.fromArray(F, x, x0 + k);
            c00 = a0.fma(b, c00);
            c10 = a1.fma(b, c10);
            c20 = a2.fma(b, c20);
            c30 = a3.fma(b, c30);
            b = FloatVector.fromArray(F, x, x1 + k);
            c01 = a0.fma(b, c01);
            c11 = a1.fma(b, c11);
            c21 = a2.fma(b, c21);
            c31 = a3.fma(b, c31);
            b = FloatVector.fromArray(F, x, x2 + k);
            c02 = a0.fma(b, c02);
            c12 = a1.fma(b, c12);
            c22 = a2.fma(b, c22);
            c32 = a3.fma(b, c32);
            b = FloatVector.fromArray(F, x, x3 + k);
            c03 = a0.fma(b, c03);
            c13 = a1.fma(b, c13);
            c23 = a2.fma(b, c23);
            c33 = a3.fma(b, c33);
        }
        float[] c = {
            c00.reduceLanes(VectorOperators.ADD), c10.reduceLanes(VectorOperators.ADD),
            c20.reduceLanes(VectorOperators.ADD), c30.reduceLanes(VectorOperators.ADD),
            c01.reduceLanes(VectorOperators.ADD), c11.reduceLanes(VectorOperators.ADD),
            c21.reduceLanes(VectorOperators.ADD), c31.reduceLanes(VectorOperators.ADD),
            c02.reduceLanes(VectorOperators.ADD), c12.reduceLanes(VectorOperators.ADD),
            c22.reduceLanes(VectorOperators.ADD), c32.reduceLanes(VectorOperators.ADD),
            c03.reduceLanes(VectorOperators.ADD), c13.reduceLanes(VectorOperators.ADD),
            c23.reduceLanes(VectorOperators.ADD), c33.reduceLanes(VectorOperators.ADD)};
        for (int t = 0; t < 4; t++) {
            for (int r = 0; r < 4; r++) {
                float sum = c[4 * t + r];
                for (int j = k; j < n; j++) {
                    sum += w[wOff + r * wStride + j] * x[xOff + t * xStride + j];
                }
                out[outOff + t * outStride + r] = sum;
            }
        }
    }

    /** {@code y[yOff + i] += a · x[xOff + i]} for {@code i < n}. */
    static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector va = FloatVector.broadcast(F, a);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /** {@code gate[i] = silu(gate[i]) · up[i]} for {@code i} in {@code [from, to)}, with silu(g) = g / (1 + e^−g). */
    static void siluTimes(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (; i <= to - L; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector silu = g.div(g.neg().lanewise(VectorOperators.EXP).add(1f));
            silu.mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) {
            float g = gate[i];
            gate[i] = (float) (g / (1 + Math.exp(-g))) * up[i];
        }
    }
}
