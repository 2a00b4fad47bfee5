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
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API inner loops of the forward pass: dot products (plain, and fused with the decoding of a stored row
 * so a weight is read once, in its stored width) and a 6-row register-blocked kernel that matrix-matrix products are
 * built from. Static, allocation-free; every method handles lengths that are not a multiple of the vector width.
 *
 * <p>Every sum is added in an order fixed here, so a result has the same bits in every JVM, at every stage of JIT
 * compilation and on AVX2 and AVX-512 alike. The dot products share one order ({@link #PARTIALS}); the matrix-matrix
 * kernel keeps one accumulator lane per output and adds along {@code k} in order. {@code reduceLanes(ADD)} appears
 * nowhere: its order is unspecified, and the Vector API's Java code (what runs until C2 compiles a kernel) and the
 * compiled intrinsic do add in different orders, so the first evaluations of a fresh JVM gave other bits than later
 * ones. For the same reason the exponentials are {@link Exponential}'s, not the Vector API's {@code EXP}.
 *
 * <p>Training has kernels of its own ({@code org.evomerge.training.kernels.RowParallelKernels}): the products of a
 * backward pass on float arrays, summed lane by lane in the preferred vector width. They are not these because their
 * order decides the bits of every trained model (the demo's among them); the two forward passes agree within float32
 * roundings (training's {@code ForwardParityTest}).
 */
final class FixedOrderKernels {

    /**
     * The float species: 16 lanes with AVX-512, else 8 (AVX2; on narrower hardware 8 lanes run in the Vector API's
     * own code). Either way {@link #PARTIALS} is whole vectors.
     */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() == 16
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_256;
    private static final int L = F.length();
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    /**
     * The order of every dot product {@code Σ w[i]·x[i]} (and of {@link #sum}) of {@code n} elements: product
     * {@code i} of the first {@code n − n mod 32} is fused-multiply-added into partial sum {@code i mod 32}, in
     * increasing {@code i}; the 32 partials are added by halves ({@link #sumPartials}); then the last
     * {@code n mod 32} products are added one by one. Two 16-lane or four 8-lane accumulators hold the same 32
     * partials, so the bits do not depend on the vector width.
     */
    static final int PARTIALS = 32;
    /** Lane {@code j} takes lane {@code (j + 8) mod L}, and so on: the halvings of {@link #sumPartials}. */
    private static final VectorShuffle<Float> ROTATE_8 = VectorShuffle.fromOp(F, j -> (j + 8) % L);
    private static final VectorShuffle<Float> ROTATE_4 = VectorShuffle.fromOp(F, j -> (j + 4) % L);
    private static final VectorShuffle<Float> ROTATE_2 = VectorShuffle.fromOp(F, j -> (j + 2) % L);

    private FixedOrderKernels() {
    }

    /** {@code Σ a[aOff + i] · b[bOff + i]} for {@code i < n}, in the order of {@link #PARTIALS}. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector p0 = FloatVector.zero(F);
        FloatVector p1 = p0;
        FloatVector p2 = p0;
        FloatVector p3 = p0;
        int i = 0;
        for (; i <= n - PARTIALS; i += PARTIALS) {
            p0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), p0);
            p1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), p1);
            if (L == 8) {
                p2 = FloatVector.fromArray(F, a, aOff + i + 2 * L)
                        .fma(FloatVector.fromArray(F, b, bOff + i + 2 * L), p2);
                p3 = FloatVector.fromArray(F, a, aOff + i + 3 * L)
                        .fma(FloatVector.fromArray(F, b, bOff + i + 3 * L), p3);
            }
        }
        float sum = sumPartials(p0, p1, p2, p3);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /** {@code Σ a[off + i]} for {@code i < n}, in the order of {@link #PARTIALS}. */
    static float sum(float[] a, int off, int n) {
        FloatVector p0 = FloatVector.zero(F);
        FloatVector p1 = p0;
        FloatVector p2 = p0;
        FloatVector p3 = p0;
        int i = 0;
        for (; i <= n - PARTIALS; i += PARTIALS) {
            p0 = p0.add(FloatVector.fromArray(F, a, off + i));
            p1 = p1.add(FloatVector.fromArray(F, a, off + i + L));
            if (L == 8) {
                p2 = p2.add(FloatVector.fromArray(F, a, off + i + 2 * L));
                p3 = p3.add(FloatVector.fromArray(F, a, off + i + 3 * L));
            }
        }
        float sum = sumPartials(p0, p1, p2, p3);
        for (; i < n; i++) {
            sum += a[off + i];
        }
        return sum;
    }

    /** Dot of a stored float32 row at byte {@code offset} of {@code w} with {@code x[xOff ..+n)}. */
    static float dotF32(MemorySegment w, long offset, float[] x, int xOff, int n) {
        FloatVector p0 = FloatVector.zero(F);
        FloatVector p1 = p0;
        FloatVector p2 = p0;
        FloatVector p3 = p0;
        int i = 0;
        for (; i <= n - PARTIALS; i += PARTIALS) {
            p0 = f32(w, offset, i).fma(FloatVector.fromArray(F, x, xOff + i), p0);
            p1 = f32(w, offset, i + L).fma(FloatVector.fromArray(F, x, xOff + i + L), p1);
            if (L == 8) {
                p2 = f32(w, offset, i + 2 * L).fma(FloatVector.fromArray(F, x, xOff + i + 2 * L), p2);
                p3 = f32(w, offset, i + 3 * L).fma(FloatVector.fromArray(F, x, xOff + i + 3 * L), p3);
            }
        }
        float sum = sumPartials(p0, p1, p2, p3);
        for (; i < n; i++) {
            sum += w.get(FLOAT, offset + 4L * i) * x[xOff + i];
        }
        return sum;
    }

    private static FloatVector f32(MemorySegment w, long offset, int element) {
        return FloatVector.fromMemorySegment(F, w, offset + 4L * element, LE);
    }

    /**
     * Dot of a stored bfloat16 row with {@code x}: each lane widens the 16 stored bits to the top of a float32, which
     * is exact, so the weight is decoded in registers and never written anywhere.
     */
    static float dotBf16(MemorySegment w, long offset, float[] x, int xOff, int n) {
        FloatVector p0 = FloatVector.zero(F);
        FloatVector p1 = p0;
        FloatVector p2 = p0;
        FloatVector p3 = p0;
        int i = 0;
        for (; i <= n - PARTIALS; i += PARTIALS) {
            p0 = bf16(w, offset + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), p0);
            p1 = bf16(w, offset + 2L * (i + L)).fma(FloatVector.fromArray(F, x, xOff + i + L), p1);
            if (L == 8) {
                p2 = bf16(w, offset + 2L * (i + 2 * L)).fma(FloatVector.fromArray(F, x, xOff + i + 2 * L), p2);
                p3 = bf16(w, offset + 2L * (i + 3 * L)).fma(FloatVector.fromArray(F, x, xOff + i + 3 * L), p3);
            }
        }
        float sum = sumPartials(p0, p1, p2, p3);
        for (; i < n; i++) {
            sum += Float.intBitsToFloat(w.get(SHORT, offset + 2L * i) << 16) * x[xOff + i];
        }
        return sum;
    }

    /**
     * The sum of the 32 partials of {@link #PARTIALS} ({@code p0}, {@code p1} with 16 lanes; {@code p0} to {@code p3}
     * with 8), added by halves: {@code h[j] = p[j] + p[j+16]}, {@code q[j] = h[j] + h[j+8]}, then
     * {@code ((q0+q4) + (q2+q6)) + ((q1+q5) + (q3+q7))}. Each halving adds a vector and its lanes rotated by a fixed
     * shuffle; lanes past the half hold sums nobody reads.
     */
    private static float sumPartials(FloatVector p0, FloatVector p1, FloatVector p2, FloatVector p3) {
        FloatVector q;
        if (L == 16) {
            FloatVector h = p0.add(p1);
            q = h.add(h.rearrange(ROTATE_8));
        } else {
            // p0..p3 hold partials 0-7, 8-15, 16-23, 24-31: (p0 + p2) is h[0..8), (p1 + p3) is h[8..16).
            q = p0.add(p2).add(p1.add(p3));
        }
        FloatVector r = q.add(q.rearrange(ROTATE_4));
        FloatVector s = r.add(r.rearrange(ROTATE_2));
        return s.lane(0) + s.lane(1);
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
     * block's bytes are widened to floats in registers and multiplied by the block's scale, which is exact (an 8-bit
     * integer times an 11-bit significand) and gives the values {@link org.evomerge.kernels.QuantCodecs#decodeQ8_0}
     * decodes; a block is 32 elements, so each lands in its own partial of {@link #PARTIALS}.
     *
     * @param n a multiple of 32
     */
    static float dotQ8_0(MemorySegment w, long offset, float[] x, int xOff, int n) {
        FloatVector p0 = FloatVector.zero(F);
        FloatVector p1 = p0;
        FloatVector p2 = p0;
        FloatVector p3 = p0;
        long block = offset;
        for (int i = 0; i < n; i += PARTIALS, block += 34) {
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, block)));
            p0 = q8(w, block, 0, d).fma(FloatVector.fromArray(F, x, xOff + i), p0);
            p1 = q8(w, block, L, d).fma(FloatVector.fromArray(F, x, xOff + i + L), p1);
            if (L == 8) {
                p2 = q8(w, block, 2 * L, d).fma(FloatVector.fromArray(F, x, xOff + i + 2 * L), p2);
                p3 = q8(w, block, 3 * L, d).fma(FloatVector.fromArray(F, x, xOff + i + 3 * L), p3);
            }
        }
        return sumPartials(p0, p1, p2, p3);
    }

    /** Elements {@code [j, j + L)} of the Q8_0 block at byte {@code block}, decoded with its scale {@code d}. */
    private static FloatVector q8(MemorySegment w, long block, int j, FloatVector d) {
        return ((FloatVector) ByteVector.fromMemorySegment(B, w, block + 2 + j, LE)
                .convertShape(VectorOperators.B2F, F, 0)).mul(d);
    }

    /**
     * Dot of a stored Q4_0 row ({@code n / 32} blocks of an fp16 scale and 16 bytes of nibbles: element {@code j < 16}
     * the low nibble of byte {@code j}, element {@code j ≥ 16} the high nibble of byte {@code j − 16}) with {@code x}.
     * Each value {@code (nibble − 8)·d} is exact in float32, so the sum has the bits {@link #dot} gives on the row
     * {@link org.evomerge.kernels.QuantCodecs#decodeQ4_0} decodes.
     *
     * @param n a multiple of 32
     */
    static float dotQ4_0(MemorySegment w, long offset, float[] x, int xOff, int n) {
        FloatVector p0 = FloatVector.zero(F);
        FloatVector p1 = p0;
        FloatVector p2 = p0;
        FloatVector p3 = p0;
        long block = offset;
        for (int i = 0; i < n; i += PARTIALS, block += 18) {
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, block)));
            p0 = q4(w, block + 2, false, d).fma(FloatVector.fromArray(F, x, xOff + i), p0);
            if (L == 8) {
                p1 = q4(w, block + 2 + 8, false, d).fma(FloatVector.fromArray(F, x, xOff + i + 8), p1);
                p2 = q4(w, block + 2, true, d).fma(FloatVector.fromArray(F, x, xOff + i + 16), p2);
                p3 = q4(w, block + 2 + 8, true, d).fma(FloatVector.fromArray(F, x, xOff + i + 24), p3);
            } else {
                p1 = q4(w, block + 2, true, d).fma(FloatVector.fromArray(F, x, xOff + i + L), p1);
            }
        }
        return sumPartials(p0, p1, p2, p3);
    }

    /** {@code L} Q4_0 values: the low or high nibbles of the bytes at {@code at}, less 8, times {@code d}. */
    private static FloatVector q4(MemorySegment w, long at, boolean high, FloatVector d) {
        return ((FloatVector) nibbles(w, at, high).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).mul(d);
    }

    /** The low or high nibbles of the {@code L} bytes at {@code at}, as bytes 0 to 15. */
    private static ByteVector nibbles(MemorySegment w, long at, boolean high) {
        ByteVector bytes = ByteVector.fromMemorySegment(B, w, at, LE);
        return (high ? bytes.lanewise(VectorOperators.LSHR, 4) : bytes).and((byte) 0x0F);
    }

    /**
     * Dot of a stored Q4_K row ({@code n / 256} super-blocks) with {@code x}. Each 32-element sub-block's values
     * {@code (d·sc)·q − dmin·m} are formed in registers with the roundings of
     * {@link org.evomerge.kernels.QuantCodecs#decodeQ4K} (a product, then a difference, no fused multiply-add), so
     * the sum has the bits {@link #dot} gives on the decoded row.
     *
     * @param n a multiple of 256
     */
    static float dotQ4K(MemorySegment w, long offset, float[] x, int xOff, int n) {
        return dotK(w, offset, x, xOff, n, false);
    }

    /** {@link #dotQ4K} for Q5_K: the same sub-blocks, each nibble widened by its fifth bit from {@code qh}. */
    static float dotQ5K(MemorySegment w, long offset, float[] x, int xOff, int n) {
        return dotK(w, offset, x, xOff, n, true);
    }

    private static float dotK(MemorySegment w, long offset, float[] x, int xOff, int n, boolean fifthBit) {
        FloatVector p0 = FloatVector.zero(F);
        FloatVector p1 = p0;
        FloatVector p2 = p0;
        FloatVector p3 = p0;
        int blockBytes = fifthBit ? 176 : 144;
        long block = offset;
        for (int i = 0; i < n; i += 256, block += blockBytes) {
            float d = Float.float16ToFloat(w.get(SHORT, block));
            float dmin = Float.float16ToFloat(w.get(SHORT, block + 2));
            long scales = block + 4;
            long qh = block + 16;
            long qs = block + (fifthBit ? 48 : 16);
            for (int sub = 0; sub < 8; sub++) {
                FloatVector scale = FloatVector.broadcast(F, d * kScale(w, scales, sub));
                FloatVector min = FloatVector.broadcast(F, dmin * kMin(w, scales, sub));
                long bytes = qs + 32L * (sub / 2);
                boolean high = (sub & 1) == 1;
                int xi = xOff + i + 32 * sub;
                p0 = kValues(w, bytes, high, fifthBit, qh, sub, scale, min).fma(FloatVector.fromArray(F, x, xi), p0);
                p1 = kValues(w, bytes + L, high, fifthBit, qh + L, sub, scale, min)
                        .fma(FloatVector.fromArray(F, x, xi + L), p1);
                if (L == 8) {
                    p2 = kValues(w, bytes + 16, high, fifthBit, qh + 16, sub, scale, min)
                            .fma(FloatVector.fromArray(F, x, xi + 16), p2);
                    p3 = kValues(w, bytes + 24, high, fifthBit, qh + 24, sub, scale, min)
                            .fma(FloatVector.fromArray(F, x, xi + 24), p3);
                }
            }
        }
        return sumPartials(p0, p1, p2, p3);
    }

    /** {@code L} Q4_K or Q5_K values {@code scale·q − min}; Q5_K's {@code q} adds 16 where bit {@code sub} of qh is 1. */
    private static FloatVector kValues(MemorySegment w, long bytes, boolean high, boolean fifthBit, long qh, int sub,
                                       FloatVector scale, FloatVector min) {
        ByteVector q = nibbles(w, bytes, high);
        if (fifthBit) {
            ByteVector bits = ByteVector.fromMemorySegment(B, w, qh, LE).lanewise(VectorOperators.LSHR, sub)
                    .and((byte) 1);
            q = q.or(bits.lanewise(VectorOperators.LSHL, 4));
        }
        return ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).mul(scale).sub(min);
    }

    /** The 6-bit scale of sub-block {@code j} of a Q4_K or Q5_K super-block (ggml's {@code get_scale_min_k4}). */
    private static int kScale(MemorySegment w, long scales, int j) {
        if (j < 4) {
            return w.get(ValueLayout.JAVA_BYTE, scales + j) & 63;
        }
        return (w.get(ValueLayout.JAVA_BYTE, scales + j + 4) & 0x0F)
                | (((w.get(ValueLayout.JAVA_BYTE, scales + j - 4) & 0xFF) >>> 6) << 4);
    }

    /** The 6-bit minimum of sub-block {@code j} of a Q4_K or Q5_K super-block. */
    private static int kMin(MemorySegment w, long scales, int j) {
        if (j < 4) {
            return w.get(ValueLayout.JAVA_BYTE, scales + j + 4) & 63;
        }
        return ((w.get(ValueLayout.JAVA_BYTE, scales + j + 4) & 0xFF) >>> 4)
                | (((w.get(ValueLayout.JAVA_BYTE, scales + j) & 0xFF) >>> 6) << 4);
    }

    /**
     * Dot of a stored Q6_K row ({@code n / 256} super-blocks) with {@code x}: element {@code l + 32k} of each half
     * super-block is {@code (d·scale)·(q − 32)} with the low nibble of {@code ql} and two bits of {@code qh}, formed in
     * registers with the roundings of {@link org.evomerge.kernels.QuantCodecs#decodeQ6K}, so the sum has the bits
     * {@link #dot} gives on the decoded row.
     *
     * @param n a multiple of 256
     */
    static float dotQ6K(MemorySegment w, long offset, float[] x, int xOff, int n) {
        FloatVector p0 = FloatVector.zero(F);
        FloatVector p1 = p0;
        FloatVector p2 = p0;
        FloatVector p3 = p0;
        long block = offset;
        for (int i = 0; i < n; i += 256, block += 210) {
            float d = Float.float16ToFloat(w.get(SHORT, block + 208));
            for (int half = 0; half < 2; half++) {
                long ql = block + 64L * half;
                long qh = block + 128 + 32L * half;
                long sc = block + 192 + 8L * half;
                for (int k = 0; k < 4; k++) {
                    long low = ql + 32L * (k % 2);
                    boolean high = k >= 2;
                    int xi = xOff + i + 128 * half + 32 * k;
                    FloatVector first = FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + 2 * k));
                    FloatVector second = FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + 2 * k + 1));
                    p0 = q6(w, low, high, qh, k, first).fma(FloatVector.fromArray(F, x, xi), p0);
                    if (L == 8) {
                        p1 = q6(w, low + 8, high, qh + 8, k, first).fma(FloatVector.fromArray(F, x, xi + 8), p1);
                        p2 = q6(w, low + 16, high, qh + 16, k, second).fma(FloatVector.fromArray(F, x, xi + 16), p2);
                        p3 = q6(w, low + 24, high, qh + 24, k, second).fma(FloatVector.fromArray(F, x, xi + 24), p3);
                    } else {
                        p1 = q6(w, low + L, high, qh + L, k, second).fma(FloatVector.fromArray(F, x, xi + L), p1);
                    }
                }
            }
        }
        return sumPartials(p0, p1, p2, p3);
    }

    /** {@code L} Q6_K values: nibbles at {@code low}, bits {@code 2k, 2k+1} of {@code qh}, less 32, times the scale. */
    private static FloatVector q6(MemorySegment w, long low, boolean high, long qh, int k, FloatVector scale) {
        ByteVector bits = ByteVector.fromMemorySegment(B, w, qh, LE).lanewise(VectorOperators.LSHR, 2 * k)
                .and((byte) 3);
        ByteVector q = nibbles(w, low, high).or(bits.lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
        return ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).mul(scale);
    }

    /**
     * Decodes the {@code n / blockSize} blocks of a stored row of a block type at byte {@code offset} of {@code w}
     * into {@code dst[dstOff ..+n)}, in registers and with the decoders' roundings: the values of
     * {@link org.evomerge.kernels.QuantCodecs}, bit for bit, for the tiles of matrix-matrix products.
     *
     * @param n a multiple of the type's block size
     */
    static void decodeBlocks(org.evomerge.api.tensor.DType dtype, MemorySegment w, long offset, float[] dst,
                             int dstOff, int n) {
        switch (dtype) {
            case Q8_0 -> {
                long block = offset;
                for (int i = 0; i < n; i += 32, block += 34) {
                    FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, block)));
                    for (int e = 0; e < 32; e += L) {
                        q8(w, block, e, d).intoArray(dst, dstOff + i + e);
                    }
                }
            }
            case Q4_0 -> {
                long block = offset;
                for (int i = 0; i < n; i += 32, block += 18) {
                    FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, block)));
                    for (int e = 0; e < 32; e += L) {
                        q4(w, block + 2 + e % 16, e >= 16, d).intoArray(dst, dstOff + i + e);
                    }
                }
            }
            case Q4_K, Q5_K -> {
                boolean fifthBit = dtype == org.evomerge.api.tensor.DType.Q5_K;
                long block = offset;
                for (int i = 0; i < n; i += 256, block += dtype.bytesPerBlock()) {
                    float d = Float.float16ToFloat(w.get(SHORT, block));
                    float dmin = Float.float16ToFloat(w.get(SHORT, block + 2));
                    long qh = block + 16;
                    long qs = block + (fifthBit ? 48 : 16);
                    for (int sub = 0; sub < 8; sub++) {
                        FloatVector scale = FloatVector.broadcast(F, d * kScale(w, block + 4, sub));
                        FloatVector min = FloatVector.broadcast(F, dmin * kMin(w, block + 4, sub));
                        long bytes = qs + 32L * (sub / 2);
                        for (int e = 0; e < 32; e += L) {
                            kValues(w, bytes + e, (sub & 1) == 1, fifthBit, qh + e, sub, scale, min)
                                    .intoArray(dst, dstOff + i + 32 * sub + e);
                        }
                    }
                }
            }
            case Q6_K -> {
                long block = offset;
                for (int i = 0; i < n; i += 256, block += 210) {
                    float d = Float.float16ToFloat(w.get(SHORT, block + 208));
                    for (int half = 0; half < 2; half++) {
                        long qh = block + 128 + 32L * half;
                        long sc = block + 192 + 8L * half;
                        for (int k = 0; k < 4; k++) {
                            long low = block + 64L * half + 32L * (k % 2);
                            FloatVector first = FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + 2 * k));
                            FloatVector second = FloatVector.broadcast(F,
                                    d * w.get(ValueLayout.JAVA_BYTE, sc + 2 * k + 1));
                            for (int e = 0; e < 32; e += L) {
                                q6(w, low + e, k >= 2, qh + e, k, e < 16 ? first : second)
                                        .intoArray(dst, dstOff + i + 128 * half + 32 * k + e);
                            }
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not a block type");
        }
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

    /**
     * The dot products of one decoded weight row {@code w[wOff ..+n)} with each of the {@link #PANEL} tokens of a
     * panel packed by {@link #packPanel}, each in the order of {@link #PARTIALS}, so token {@code j}'s value has the
     * bits {@link #dot} (and the fused {@link #dotF32}, {@link #dotBf16}, {@link #dotQ8_0}, whose decoded weights are
     * exact) gives for it: partial {@code p} of a token is its fused sum over {@code i ≡ p (mod 32)} in increasing
     * {@code i}, the partials are added by the halvings of {@link #sumPartials}, and the tail is added product by
     * product. Here a vector lane is a token rather than an element, so the halvings are plain lane-wise additions of
     * partials and one weight serves every token of the panel. {@code out[outOff + j]} receives token {@code j}'s
     * value; {@code partials} from {@code partialsOff} is scratch of {@code PARTIALS / 4 × PANEL} floats.
     */
    static void dotsOfPanel(float[] w, int wOff, int n, float[] panel, int pOff, float[] partials,
                            int partialsOff, float[] out, int outOff) {
        int full = n - n % PARTIALS;
        int quarter = PARTIALS / 4;
        // For each p < 8 the four partials the first two halvings add together, p, p + 8, p + 16 and p + 24, in
        // registers: q[p] = (P[p] + P[p + 16]) + (P[p + 8] + P[p + 24]), which is what sumPartials' h and q give.
        for (int p = 0; p < quarter; p++) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector b0 = a0;
            FloatVector b1 = a0;
            FloatVector c0 = a0;
            FloatVector c1 = a0;
            FloatVector d0 = a0;
            FloatVector d1 = a0;
            for (int i = p; i < full; i += PARTIALS) {
                int x = pOff + i * PANEL;
                int step = quarter * PANEL;
                FloatVector wa = FloatVector.broadcast(F, w[wOff + i]);
                FloatVector wb = FloatVector.broadcast(F, w[wOff + i + quarter]);
                FloatVector wc = FloatVector.broadcast(F, w[wOff + i + 2 * quarter]);
                FloatVector wd = FloatVector.broadcast(F, w[wOff + i + 3 * quarter]);
                a0 = FloatVector.fromArray(F, panel, x).fma(wa, a0);
                a1 = FloatVector.fromArray(F, panel, x + L).fma(wa, a1);
                b0 = FloatVector.fromArray(F, panel, x + step).fma(wb, b0);
                b1 = FloatVector.fromArray(F, panel, x + step + L).fma(wb, b1);
                c0 = FloatVector.fromArray(F, panel, x + 2 * step).fma(wc, c0);
                c1 = FloatVector.fromArray(F, panel, x + 2 * step + L).fma(wc, c1);
                d0 = FloatVector.fromArray(F, panel, x + 3 * step).fma(wd, d0);
                d1 = FloatVector.fromArray(F, panel, x + 3 * step + L).fma(wd, d1);
            }
            a0.add(c0).add(b0.add(d0)).intoArray(partials, partialsOff + p * PANEL);
            a1.add(c1).add(b1.add(d1)).intoArray(partials, partialsOff + p * PANEL + L);
        }
        // Then ((q0 + q4) + (q2 + q6)) + ((q1 + q5) + (q3 + q7)), and the tail product by product.
        for (int half = 0; half < PANEL; half += L) {
            FloatVector q0 = FloatVector.fromArray(F, partials, partialsOff + half);
            FloatVector q1 = FloatVector.fromArray(F, partials, partialsOff + PANEL + half);
            FloatVector q2 = FloatVector.fromArray(F, partials, partialsOff + 2 * PANEL + half);
            FloatVector q3 = FloatVector.fromArray(F, partials, partialsOff + 3 * PANEL + half);
            FloatVector q4 = FloatVector.fromArray(F, partials, partialsOff + 4 * PANEL + half);
            FloatVector q5 = FloatVector.fromArray(F, partials, partialsOff + 5 * PANEL + half);
            FloatVector q6 = FloatVector.fromArray(F, partials, partialsOff + 6 * PANEL + half);
            FloatVector q7 = FloatVector.fromArray(F, partials, partialsOff + 7 * PANEL + half);
            FloatVector sum = q0.add(q4).add(q2.add(q6)).add(q1.add(q5).add(q3.add(q7)));
            for (int i = full; i < n; i++) {
                sum = sum.add(FloatVector.fromArray(F, panel, pOff + i * PANEL + half).mul(w[wOff + i]));
            }
            sum.intoArray(out, outOff + half);
        }
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

    /**
     * {@code gate[i] = silu(gate[i]) · up[i]} for {@code i} in {@code [from, to)}, with silu(g) = g / (1 + e^−g) in
     * float and {@link Exponential}: lanes and the scalar tail give the same bits for the same input, so where the
     * thread count puts the ranges' boundaries does not matter.
     */
    static void siluTimes(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (; i <= to - L; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector silu = g.div(Exponential.exp(g.neg()).add(1f));
            silu.mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) {
            float g = gate[i];
            gate[i] = g / (Exponential.exp(-g) + 1f) * up[i];
        }
    }

    /** {@code 2·sqrt(2/π)}, the factor of the GeLU's tanh argument doubled (see {@link #geluTanhTimes}). */
    private static final float GELU_TWICE_SQRT_2_OVER_PI = (float) (2 * Math.sqrt(2 / Math.PI));
    private static final float GELU_CUBIC = 0.044715f;

    /**
     * {@code gate[i] = gelu_tanh(gate[i]) · up[i]} for {@code i} in {@code [from, to)}: PyTorch's
     * {@code gelu(x, approximate="tanh")} ({@code gelu_pytorch_tanh}, Gemma's activation),
     * {@code 0.5·x·(1 + tanh(u))} with {@code u = sqrt(2/π)·(x + 0.044715·x³)}, computed as the equal
     * {@code x / (1 + e^(−2u))} with {@link Exponential}, so lanes and the scalar tail give the same bits as
     * {@link #siluTimes} does.
     */
    static void geluTanhTimes(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (; i <= to - L; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector twiceU = g.mul(g).mul(GELU_CUBIC).add(1f).mul(g).mul(GELU_TWICE_SQRT_2_OVER_PI);
            FloatVector gelu = g.div(Exponential.exp(twiceU.neg()).add(1f));
            gelu.mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) {
            float g = gate[i];
            float twiceU = (g * g * GELU_CUBIC + 1f) * g * GELU_TWICE_SQRT_2_OVER_PI;
            gate[i] = g / (Exponential.exp(-twiceU) + 1f) * up[i];
        }
    }
}
