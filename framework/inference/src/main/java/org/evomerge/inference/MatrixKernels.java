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

    /** Decodes {@code n} stored bfloat16 values at byte {@code offset} of {@code w} into {@code dst[dstOff ..)}. */
    static void decodeBf16(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            bf16(w, offset + 2L * i).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = Float.intBitsToFloat(w.get(SHORT, offset + 2L * i) << 16);
        }
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

    /** Tokens per packed input panel: two vectors, so the 6-row kernel holds 12 accumulators. */
    static final int PANEL = 2 * L;
    /** Weight rows per call of {@link #rows6}. */
    static final int KERNEL_ROWS = 6;

    /**
     * Packs input rows {@code [t0, t0 + PANEL)} of {@code x} ({@code cols} floats each; rows past {@code tokens}
     * count as zero) k-major: {@code panel[pOff + k·PANEL + j] = x[(t0 + j)·cols + k]}.
     */
    static void packPanel(float[] x, int tokens, int cols, int t0, float[] panel, int pOff) {
        for (int j = 0; j < PANEL; j++) {
            int t = t0 + j;
            if (t < tokens) {
                int src = t * cols;
                for (int k = 0; k < cols; k++) {
                    panel[pOff + k * PANEL + j] = x[src + k];
                }
            } else {
                for (int k = 0; k < cols; k++) {
                    panel[pOff + k * PANEL + j] = 0f;
                }
            }
        }
    }

    /**
     * The register-blocked core of a matrix-matrix product. For six weight rows {@code w[wOff + r·wStride ..+n)} and
     * an input panel packed by {@link #packPanel} (its column {@code k} at {@code pOff + k·PANEL}) it computes
     * {@code acc[aOff + r·PANEL + j] (+)= Σ_{k<n} w[r][k] · panel[k][j]} for all {@link #PANEL} tokens {@code j},
     * adding to {@code acc} when {@code accumulate} (the later blocks of a product split over {@code k}). Each step
     * loads two input vectors and broadcasts six weights into 12 independent accumulators, one per (row, half-panel),
     * so no horizontal reduction is needed.
     */
    static void rows6(float[] w, int wOff, int wStride, int n, float[] panel, int pOff, float[] acc, int aOff,
                      boolean accumulate) {
        int a1 = aOff + PANEL, a2 = a1 + PANEL, a3 = a2 + PANEL, a4 = a3 + PANEL, a5 = a4 + PANEL;
        FloatVector c00 = start(acc, aOff, accumulate), c01 = start(acc, aOff + L, accumulate);
        FloatVector c10 = start(acc, a1, accumulate), c11 = start(acc, a1 + L, accumulate);
        FloatVector c20 = start(acc, a2, accumulate), c21 = start(acc, a2 + L, accumulate);
        FloatVector c30 = start(acc, a3, accumulate), c31 = start(acc, a3 + L, accumulate);
        FloatVector c40 = start(acc, a4, accumulate), c41 = start(acc, a4 + L, accumulate);
        FloatVector c50 = start(acc, a5, accumulate), c51 = start(acc, a5 + L, accumulate);
        int w0 = wOff, w1 = w0 + wStride, w2 = w1 + wStride, w3 = w2 + wStride, w4 = w3 + wStride, w5 = w4 + wStride;
        int p = pOff;
        for (int k = 0; k < n; k++, p += PANEL) {
            FloatVector x0 = FloatVector.fromArray(F, panel, p);
            FloatVector x1 = FloatVector.fromArray(F, panel, p + L);
            FloatVector b = FloatVector.broadcast(F, w[w0 + k]);
            c00 = x0.fma(b, c00);
            c01 = x1.fma(b, c01);
            b = FloatVector.broadcast(F, w[w1 + k]);
            c10 = x0.fma(b, c10);
            c11 = x1.fma(b, c11);
            b = FloatVector.broadcast(F, w[w2 + k]);
            c20 = x0.fma(b, c20);
            c21 = x1.fma(b, c21);
            b = FloatVector.broadcast(F, w[w3 + k]);
            c30 = x0.fma(b, c30);
            c31 = x1.fma(b, c31);
            b = FloatVector.broadcast(F, w[w4 + k]);
            c40 = x0.fma(b, c40);
            c41 = x1.fma(b, c41);
            b = FloatVector.broadcast(F, w[w5 + k]);
            c50 = x0.fma(b, c50);
            c51 = x1.fma(b, c51);
        }
        c00.intoArray(acc, aOff);
        c01.intoArray(acc, aOff + L);
        c10.intoArray(acc, a1);
        c11.intoArray(acc, a1 + L);
        c20.intoArray(acc, a2);
        c21.intoArray(acc, a2 + L);
        c30.intoArray(acc, a3);
        c31.intoArray(acc, a3 + L);
        c40.intoArray(acc, a4);
        c41.intoArray(acc, a4 + L);
        c50.intoArray(acc, a5);
        c51.intoArray(acc, a5 + L);
    }

    /** {@link #rows6} for one weight row. */
    static void rows1(float[] w, int wOff, int n, float[] panel, int pOff, float[] acc, int aOff, boolean accumulate) {
        FloatVector c0 = start(acc, aOff, accumulate);
        FloatVector c1 = start(acc, aOff + L, accumulate);
        int p = pOff;
        for (int k = 0; k < n; k++, p += PANEL) {
            FloatVector b = FloatVector.broadcast(F, w[wOff + k]);
            c0 = FloatVector.fromArray(F, panel, p).fma(b, c0);
            c1 = FloatVector.fromArray(F, panel, p + L).fma(b, c1);
        }
        c0.intoArray(acc, aOff);
        c1.intoArray(acc, aOff + L);
    }

    private static FloatVector start(float[] acc, int offset, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(F, acc, offset) : FloatVector.zero(F);
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
