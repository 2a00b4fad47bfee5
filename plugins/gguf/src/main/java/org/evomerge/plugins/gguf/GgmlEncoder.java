package org.evomerge.plugins.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Float32 values into the ggml types evomerge writes, bit for bit as llama.cpp's converter and quantizer produce them.
 * Static, primitive-only and allocation-free; each method encodes values starting at {@code src[from]} into {@code dst}
 * at byte {@code at}.
 *
 * <ul>
 *   <li>F16: round to nearest even, overflow to infinity (numpy's {@code astype(float16)}, ggml's
 *       {@code GGML_FP32_TO_FP16});</li>
 *   <li>BF16: ggml's {@code ggml_compute_fp32_to_bf16}, which gguf-py copies: a NaN becomes a quiet NaN keeping its
 *       sign and top payload bits, everything else rounds to nearest even;</li>
 *   <li>Q8_0 and Q4_0: ggml's {@code quantize_row_q8_0_ref} and {@code quantize_row_q4_0_ref}, in float32.</li>
 * </ul>
 */
final class GgmlEncoder {

    /** Values per Q8_0 and Q4_0 block. */
    static final int BLOCK = 32;
    static final int Q8_0_BYTES = 34;
    static final int Q4_0_BYTES = 18;

    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GgmlEncoder() {
    }

    /** {@code count} values as little-endian float32. */
    static void f32(float[] src, int from, int count, MemorySegment dst, long at) {
        for (int i = 0; i < count; i++) {
            dst.set(FLOAT, at + 4L * i, src[from + i]);
        }
    }

    /** {@code count} values as float16. */
    static void f16(float[] src, int from, int count, MemorySegment dst, long at) {
        for (int i = 0; i < count; i++) {
            dst.set(HALF, at + 2L * i, Float.floatToFloat16(src[from + i]));
        }
    }

    /** {@code count} values as bfloat16. */
    static void bf16(float[] src, int from, int count, MemorySegment dst, long at) {
        for (int i = 0; i < count; i++) {
            dst.set(HALF, at + 2L * i, toBf16(src[from + i]));
        }
    }

    /** One value as ggml's {@code ggml_compute_fp32_to_bf16} rounds it. */
    static short toBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fff_ffff) > 0x7f80_0000) {
            return (short) ((bits >>> 16) | 64);
        }
        // Unsigned: a negative value's bits are a large unsigned number, as in ggml's uint32 arithmetic.
        long rounded = (Integer.toUnsignedLong(bits) + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
        return (short) rounded;
    }

    /**
     * {@code blocks} Q8_0 blocks: per 32 values, {@code d = max|x| / 127} and {@code q = roundf(x · (1/d))} (halves
     * away from zero; 0 when {@code d} is 0), stored as {@code d} in float16 and 32 int8.
     */
    static void q8_0(float[] src, int from, int blocks, MemorySegment dst, long at) {
        for (int b = 0; b < blocks; b++) {
            int first = from + b * BLOCK;
            long block = at + (long) b * Q8_0_BYTES;
            float amax = 0;
            for (int j = 0; j < BLOCK; j++) {
                float a = Math.abs(src[first + j]);
                amax = amax > a ? amax : a; // ggml's MAX macro, not Math.max: the same answer for a NaN
            }
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.set(HALF, block, Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK; j++) {
                dst.set(ValueLayout.JAVA_BYTE, block + 2 + j, (byte) roundf(src[first + j] * id));
            }
        }
    }

    /**
     * {@code blocks} Q4_0 blocks: per 32 values, the value of largest magnitude (the first of equals) gives
     * {@code d = max / -8}; each value becomes {@code min(15, trunc(x · (1/d) + 8.5))}, value {@code j < 16} in the low
     * nibble of byte {@code j}, value {@code j + 16} in its high nibble. The product and sum are one fused
     * multiply-add, as ggml's reference compiles wherever the CPU has one and as gguf-py's quantizer computes it;
     * rounding {@code x · (1/d)} first changes a value by one step about once in ten million.
     */
    static void q4_0(float[] src, int from, int blocks, MemorySegment dst, long at) {
        for (int b = 0; b < blocks; b++) {
            int first = from + b * BLOCK;
            long block = at + (long) b * Q4_0_BYTES;
            float amax = 0;
            float max = 0;
            for (int j = 0; j < BLOCK; j++) {
                float v = src[first + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.set(HALF, block, Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK / 2; j++) {
                int low = Math.min(15, (int) Math.fma(src[first + j], id, 8.5f));
                int high = Math.min(15, (int) Math.fma(src[first + BLOCK / 2 + j], id, 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, block + 2 + j, (byte) (low | (high << 4)));
            }
        }
    }

    /** C's {@code roundf}: to nearest, halves away from zero. */
    static float roundf(float value) {
        float a = Math.abs(value);
        float floored = (float) Math.floor(a);
        float rounded = a - floored >= 0.5f ? floored + 1 : floored;
        return Math.copySign(rounded, value);
    }
}
