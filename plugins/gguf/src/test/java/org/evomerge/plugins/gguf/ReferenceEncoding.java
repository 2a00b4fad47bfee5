package org.evomerge.plugins.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The encodings a GGUF writer must produce, written for tests from their definitions rather than from the writer's
 * code: float16 as the nearest value with ties to even (found among decoded neighbours), bfloat16 by ggml's integer
 * rounding, and Q8_0 and Q4_0 as gguf-py's {@code quants.py} states ggml's reference quantizers, in float64 with the
 * float32 roundings ggml's code makes (Q4_0's scaled value plus 8.5 rounded once, as a fused multiply-add does).
 */
final class ReferenceEncoding {

    private ReferenceEncoding() {
    }

    static byte[] encode(float[] values, int ggmlType) {
        return switch (ggmlType) {
            case GgufPyWriter.GGML_F32 -> f32(values);
            case GgufPyWriter.GGML_F16 -> f16(values);
            case 30 -> bf16(values);
            case GgufPyWriter.GGML_Q8_0 -> q8_0(values);
            case 2 -> q4_0(values);
            default -> throw new IllegalArgumentException("ggml type " + ggmlType);
        };
    }

    static byte[] f32(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            out.putFloat(v);
        }
        return out.array();
    }

    static byte[] f16(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            out.putShort(half(v));
        }
        return out.array();
    }

    /** The float16 nearest to {@code v} (ties to the even significand); beyond the largest finite half, infinity. */
    static short half(float v) {
        if (Float.isNaN(v)) {
            return (short) 0x7e00;
        }
        int sign = v < 0 || (v == 0 && 1 / v < 0) ? 0x8000 : 0;
        double a = Math.abs((double) v);
        // 65520 is halfway between the largest half (65504) and the next power of two: it and above round to infinity.
        if (a >= 65520) {
            return (short) (sign | 0x7c00);
        }
        int best = 0;
        for (int step = 1 << 14; step > 0; step >>= 1) {
            // Largest magnitude pattern whose value does not exceed a (half patterns are ordered like their values).
            if (best + step < 0x7c00 && Float.float16ToFloat((short) (best + step)) <= a) {
                best += step;
            }
        }
        double below = Float.float16ToFloat((short) best);
        double above = Float.float16ToFloat((short) (best + 1));
        int chosen;
        if (a - below < above - a) {
            chosen = best;
        } else if (a - below > above - a) {
            chosen = best + 1;
        } else {
            chosen = (best & 1) == 0 ? best : best + 1;
        }
        return (short) (sign | chosen);
    }

    static byte[] bf16(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            long bits = Integer.toUnsignedLong(Float.floatToRawIntBits(v));
            if ((bits & 0x7fffffffL) > 0x7f800000L) {
                bits = (bits & 0xffff0000L) | (64L << 16);
            }
            out.putShort((short) ((bits + (0x7fff + ((bits >> 16) & 1))) >> 16));
        }
        return out.array();
    }

    static byte[] q8_0(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length / 32 * 34).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < values.length; b += 32) {
            double amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs((double) values[b + j]));
            }
            float d = (float) (amax / 127);
            double id = d == 0 ? 0 : (float) (1.0 / d);
            out.putShort(half(d));
            for (int j = 0; j < 32; j++) {
                double x = (float) (values[b + j] * id);
                // roundf: halves away from zero.
                double r = Math.signum(x) * Math.floor(Math.abs(x) + 0.5);
                out.put((byte) (int) r);
            }
        }
        return out.array();
    }

    static byte[] q4_0(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length / 32 * 18).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < values.length; b += 32) {
            int imax = 0;
            for (int j = 1; j < 32; j++) {
                if (Math.abs(values[b + j]) > Math.abs(values[b + imax])) {
                    imax = j;
                }
            }
            float d = (float) (values[b + imax] / -8.0);
            double id = d == 0 ? 0 : (float) (1.0 / d);
            out.putShort(half(d));
            int[] q = new int[32];
            for (int j = 0; j < 32; j++) {
                double scaled = (double) values[b + j] * id + 8.5;
                q[j] = Math.min(15, (int) Math.floor((float) scaled));
            }
            for (int j = 0; j < 16; j++) {
                out.put((byte) (q[j] | (q[j + 16] << 4)));
            }
        }
        return out.array();
    }
}
