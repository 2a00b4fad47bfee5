package org.evomerge.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Decoding of llama.cpp's (ggml's) block-quantised types, one block per call. Each method reads exactly one block at
 * byte {@code offset} of {@code src} and writes its values to {@code dst[dstOffset ..)}; nothing is allocated.
 *
 * <p>The arithmetic follows ggml's reference dequantisation operation by operation, in float32 and in the same order,
 * so the results are bit-identical to {@code dequantize_row_*} built without fused multiply-add. Any bytes are
 * accepted: a scale that is NaN or infinite simply yields NaN or infinite values.
 *
 * @throws IndexOutOfBoundsException (every method) if the block does not fit in {@code src} or its values do not fit
 *                                   in {@code dst}
 */
public final class QuantCodecs {

    /** Elements per Q8_0 block. */
    public static final int Q8_0_BLOCK = 32;
    /** Bytes per Q8_0 block: fp16 scale, 32 signed bytes. */
    public static final int Q8_0_BYTES = 34;
    /** Elements per Q4_0 block. */
    public static final int Q4_0_BLOCK = 32;
    /** Bytes per Q4_0 block: fp16 scale, 16 bytes of nibbles. */
    public static final int Q4_0_BYTES = 18;
    /** Elements per k-quant super-block (ggml's {@code QK_K}). */
    public static final int K_BLOCK = 256;
    /** Bytes per Q4_K super-block: fp16 d, fp16 dmin, 12 bytes of packed 6-bit scales and mins, 128 bytes of nibbles. */
    public static final int Q4_K_BYTES = 144;
    /**
     * Bytes per Q5_K super-block: fp16 d, fp16 dmin, 12 bytes of packed 6-bit scales and mins (as Q4_K's), 32 bytes
     * of fifth bits, 128 bytes of nibbles.
     */
    public static final int Q5_K_BYTES = 176;
    /** Bytes per Q6_K super-block: 128 bytes of low nibbles, 64 bytes of high bit pairs, 16 int8 scales, fp16 d. */
    public static final int Q6_K_BYTES = 210;

    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private QuantCodecs() {
    }

    /** Q8_0: {@code value[j] = q[j] · d} with {@code q} signed. */
    public static void decodeQ8_0(MemorySegment src, long offset, float[] dst, int dstOffset) {
        checkBlock(src, offset, Q8_0_BYTES, dst, dstOffset, Q8_0_BLOCK);
        float d = FloatCodecs.f16ToFloat(src.get(HALF, offset));
        for (int j = 0; j < Q8_0_BLOCK; j++) {
            dst[dstOffset + j] = src.get(ValueLayout.JAVA_BYTE, offset + 2 + j) * d;
        }
    }

    /**
     * Q4_0: element {@code j < 16} is the low nibble of byte {@code j}, element {@code j ≥ 16} the high nibble of
     * byte {@code j − 16}; {@code value = (nibble − 8) · d}.
     */
    public static void decodeQ4_0(MemorySegment src, long offset, float[] dst, int dstOffset) {
        checkBlock(src, offset, Q4_0_BYTES, dst, dstOffset, Q4_0_BLOCK);
        float d = FloatCodecs.f16ToFloat(src.get(HALF, offset));
        int half = Q4_0_BLOCK / 2;
        for (int j = 0; j < half; j++) {
            int packed = src.get(ValueLayout.JAVA_BYTE, offset + 2 + j) & 0xFF;
            dst[dstOffset + j] = ((packed & 0x0F) - 8) * d;
            dst[dstOffset + j + half] = ((packed >>> 4) - 8) * d;
        }
    }

    /**
     * Q4_K: eight sub-blocks of 32 elements, each with a 6-bit scale {@code sc} and a 6-bit minimum {@code m};
     * {@code value = (d·sc)·q − dmin·m}. Sub-blocks 2p and 2p+1 share the 32 bytes {@code qs[32p ..)}: the first
     * takes the low nibbles, the second the high nibbles.
     */
    public static void decodeQ4K(MemorySegment src, long offset, float[] dst, int dstOffset) {
        checkBlock(src, offset, Q4_K_BYTES, dst, dstOffset, K_BLOCK);
        float d = FloatCodecs.f16ToFloat(src.get(HALF, offset));
        float dmin = FloatCodecs.f16ToFloat(src.get(HALF, offset + 2));
        long scales = offset + 4;
        long qs = offset + 16;
        for (int pair = 0; pair < 4; pair++) {
            int low = 2 * pair;
            int high = low + 1;
            float dLow = d * q4kScale(src, scales, low);
            float mLow = dmin * q4kMin(src, scales, low);
            float dHigh = d * q4kScale(src, scales, high);
            float mHigh = dmin * q4kMin(src, scales, high);
            int base = dstOffset + 64 * pair;
            for (int l = 0; l < 32; l++) {
                int packed = src.get(ValueLayout.JAVA_BYTE, qs + 32L * pair + l) & 0xFF;
                dst[base + l] = dLow * (packed & 0x0F) - mLow;
                dst[base + 32 + l] = dHigh * (packed >>> 4) - mHigh;
            }
        }
    }

    /**
     * Q5_K: Q4_K's sub-blocks, scales and minimums, each 4-bit value widened by a fifth bit:
     * {@code value = (d·sc)·(nibble + 16·bit) − dmin·m}. Sub-blocks 2p and 2p+1 take the low and high nibbles of
     * {@code qs[32p ..+32)} and bits 2p and 2p+1 of {@code qh[0 ..32)}.
     */
    public static void decodeQ5K(MemorySegment src, long offset, float[] dst, int dstOffset) {
        checkBlock(src, offset, Q5_K_BYTES, dst, dstOffset, K_BLOCK);
        float d = FloatCodecs.f16ToFloat(src.get(HALF, offset));
        float dmin = FloatCodecs.f16ToFloat(src.get(HALF, offset + 2));
        long scales = offset + 4;
        long qh = offset + 16;
        long qs = offset + 48;
        for (int pair = 0; pair < 4; pair++) {
            int low = 2 * pair;
            int high = low + 1;
            float dLow = d * q4kScale(src, scales, low);
            float mLow = dmin * q4kMin(src, scales, low);
            float dHigh = d * q4kScale(src, scales, high);
            float mHigh = dmin * q4kMin(src, scales, high);
            int base = dstOffset + 64 * pair;
            for (int l = 0; l < 32; l++) {
                int packed = src.get(ValueLayout.JAVA_BYTE, qs + 32L * pair + l) & 0xFF;
                int bits = src.get(ValueLayout.JAVA_BYTE, qh + l) & 0xFF;
                dst[base + l] = dLow * ((packed & 0x0F) + ((bits >>> low) & 1) * 16) - mLow;
                dst[base + 32 + l] = dHigh * ((packed >>> 4) + ((bits >>> high) & 1) * 16) - mHigh;
            }
        }
    }

    /**
     * Q6_K: sixteen sub-blocks of 16 elements with int8 scales; {@code value = (d·scale)·(q − 32)} where the 6-bit
     * {@code q} is a low nibble from {@code ql} and two high bits from {@code qh}. Each half of 128 elements uses 64
     * bytes of {@code ql}, 32 bytes of {@code qh} and 8 scales: element {@code l + 32k} ({@code l < 32}, {@code k < 4})
     * takes the low ({@code k < 2}) or high nibble of {@code ql[l + 32(k mod 2)]}, bits {@code 2k, 2k+1} of
     * {@code qh[l]}, and scale {@code l/16 + 2k}.
     */
    public static void decodeQ6K(MemorySegment src, long offset, float[] dst, int dstOffset) {
        checkBlock(src, offset, Q6_K_BYTES, dst, dstOffset, K_BLOCK);
        float d = FloatCodecs.f16ToFloat(src.get(HALF, offset + 208));
        for (int half = 0; half < 2; half++) {
            long ql = offset + 64L * half;
            long qh = offset + 128 + 32L * half;
            long sc = offset + 192 + 8L * half;
            int base = dstOffset + 128 * half;
            for (int l = 0; l < 32; l++) {
                int lowA = src.get(ValueLayout.JAVA_BYTE, ql + l) & 0xFF;
                int lowB = src.get(ValueLayout.JAVA_BYTE, ql + 32 + l) & 0xFF;
                int high = src.get(ValueLayout.JAVA_BYTE, qh + l) & 0xFF;
                int is = l / 16;
                int q1 = ((lowA & 0x0F) | ((high & 3) << 4)) - 32;
                int q2 = ((lowB & 0x0F) | (((high >>> 2) & 3) << 4)) - 32;
                int q3 = ((lowA >>> 4) | (((high >>> 4) & 3) << 4)) - 32;
                int q4 = ((lowB >>> 4) | (((high >>> 6) & 3) << 4)) - 32;
                dst[base + l] = d * src.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                dst[base + 32 + l] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                dst[base + 64 + l] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                dst[base + 96 + l] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
            }
        }
    }

    /**
     * The 6-bit scale of Q4_K (and Q5_K) sub-block {@code j}: sub-blocks 0–3 keep theirs in the low 6 bits of bytes
     * 0–3; 4–7 put the low 4 bits in the low nibble of bytes 8–11 and the top 2 bits in the top bits of bytes 0–3.
     */
    private static int q4kScale(MemorySegment src, long scales, int j) {
        if (j < 4) {
            return src.get(ValueLayout.JAVA_BYTE, scales + j) & 63;
        }
        int lowBits = src.get(ValueLayout.JAVA_BYTE, scales + j + 4) & 0x0F;
        int highBits = (src.get(ValueLayout.JAVA_BYTE, scales + j - 4) & 0xFF) >>> 6;
        return lowBits | (highBits << 4);
    }

    /** The 6-bit minimum of Q4_K sub-block {@code j}: as the scales, in bytes 4–7 and the high nibble of bytes 8–11. */
    private static int q4kMin(MemorySegment src, long scales, int j) {
        if (j < 4) {
            return src.get(ValueLayout.JAVA_BYTE, scales + j + 4) & 63;
        }
        int lowBits = (src.get(ValueLayout.JAVA_BYTE, scales + j + 4) & 0xFF) >>> 4;
        int highBits = (src.get(ValueLayout.JAVA_BYTE, scales + j) & 0xFF) >>> 6;
        return lowBits | (highBits << 4);
    }

    private static void checkBlock(MemorySegment src, long offset, int blockBytes, float[] dst, int dstOffset, int values) {
        if (offset < 0 || offset > src.byteSize() - blockBytes) {
            throw new IndexOutOfBoundsException("block of " + blockBytes + " bytes at " + offset + " outside segment of "
                    + src.byteSize() + " bytes");
        }
        if (dstOffset < 0 || dstOffset > dst.length - values) {
            throw new IndexOutOfBoundsException(values + " values at " + dstOffset + " outside array of " + dst.length);
        }
    }
}
