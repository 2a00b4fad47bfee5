package org.evomerge.inference;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.kernels.QuantCodecs;

/**
 * Quantizes float rows into ggml's block layouts, in the manner of ggml's reference quantizers (a scale per block or
 * sub-block from its range, 6-bit or 8-bit sub-block scales relative to a super-block scale) but without their
 * search for the best scale: tests need valid, well-spread blocks whose meaning is known, not the least error. What
 * the bytes mean is then read back with {@link QuantCodecs}, which is checked against hand-worked blocks.
 */
final class BlockQuantizer {

    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private BlockQuantizer() {
    }

    /** The matrices of {@code spec} by name, with their column counts. */
    static Map<String, Integer> matrixColumns(TinyModel.Spec spec) {
        Map<String, Integer> columns = new LinkedHashMap<>();
        columns.put("model.embed_tokens.weight", spec.hidden());
        for (int l = 0; l < spec.layers(); l++) {
            String p = "model.layers." + l + ".";
            for (String name : new String[] {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                "mlp.gate_proj", "mlp.up_proj"}) {
                columns.put(p + name + ".weight", spec.hidden());
            }
            columns.put(p + "self_attn.o_proj.weight", spec.heads() * spec.headDim());
            columns.put(p + "mlp.down_proj.weight", spec.intermediate());
        }
        if (!spec.tied()) {
            columns.put("lm_head.weight", spec.hidden());
        }
        return columns;
    }

    /** Re-stores matrix {@code name} of {@code model} (now float32) in {@code dtype}. */
    static void requantize(TinyModel model, String name, int cols, DType dtype) {
        double[] values = model.weight(name);
        float[] floats = new float[values.length];
        for (int i = 0; i < floats.length; i++) {
            floats[i] = (float) values[i];
        }
        MemorySegment data = BlockQuantizer.encode(dtype, floats);
        model.put(name, dtype, Shape.of(values.length / cols, cols), data,
                BlockQuantizer.decode(dtype, data, values.length));
    }

    /** The bytes of {@code values} (whole blocks) in {@code dtype}. */
    static MemorySegment encode(DType dtype, float[] values) {
        int blocks = values.length / dtype.blockSize();
        MemorySegment out = MemorySegment.ofArray(new byte[blocks * dtype.bytesPerBlock()]);
        for (int b = 0; b < blocks; b++) {
            long at = (long) b * dtype.bytesPerBlock();
            int from = b * dtype.blockSize();
            switch (dtype) {
                case Q4_0 -> q4_0(values, from, out, at);
                case Q4_K -> qK(values, from, out, at, false);
                case Q5_K -> qK(values, from, out, at, true);
                case Q6_K -> q6K(values, from, out, at);
                default -> throw new IllegalArgumentException("no quantizer for " + dtype);
            }
        }
        return out;
    }

    /** What {@code data} holds, decoded block by block. */
    static double[] decode(DType dtype, MemorySegment data, int count) {
        float[] decoded = new float[count];
        for (int b = 0; b < count / dtype.blockSize(); b++) {
            long at = (long) b * dtype.bytesPerBlock();
            int to = b * dtype.blockSize();
            switch (dtype) {
                case Q4_0 -> QuantCodecs.decodeQ4_0(data, at, decoded, to);
                case Q4_K -> QuantCodecs.decodeQ4K(data, at, decoded, to);
                case Q5_K -> QuantCodecs.decodeQ5K(data, at, decoded, to);
                case Q6_K -> QuantCodecs.decodeQ6K(data, at, decoded, to);
                case Q8_0 -> QuantCodecs.decodeQ8_0(data, at, decoded, to);
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        double[] result = new double[count];
        for (int i = 0; i < count; i++) {
            result[i] = decoded[i];
        }
        return result;
    }

    /** ggml's {@code quantize_row_q4_0_ref}: {@code d = max / −8} of the value largest in magnitude. */
    private static void q4_0(float[] x, int from, MemorySegment out, long at) {
        float max = 0;
        for (int j = 0; j < 32; j++) {
            if (Math.abs(x[from + j]) > Math.abs(max)) {
                max = x[from + j];
            }
        }
        float d = max / -8;
        short dBits = Float.floatToFloat16(d);
        out.set(HALF, at, dBits);
        float id = d != 0 ? 1 / d : 0;
        for (int j = 0; j < 16; j++) {
            int low = Math.min(15, (int) (x[from + j] * id + 8.5f));
            int high = Math.min(15, (int) (x[from + 16 + j] * id + 8.5f));
            out.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) (low | (high << 4)));
        }
    }

    /** Q4_K ({@code fifthBit} false, 16 levels) or Q5_K (32 levels): per sub-block of 32 a scale and a minimum. */
    private static void qK(float[] x, int from, MemorySegment out, long at, boolean fifthBit) {
        int levels = fifthBit ? 31 : 15;
        float[] scales = new float[8];
        float[] mins = new float[8];
        float maxScale = 0;
        float maxMin = 0;
        for (int s = 0; s < 8; s++) {
            float lo = 0;
            float hi = 0;
            for (int l = 0; l < 32; l++) {
                lo = Math.min(lo, x[from + 32 * s + l]);
                hi = Math.max(hi, x[from + 32 * s + l]);
            }
            scales[s] = (hi - lo) / levels;
            mins[s] = -lo;
            maxScale = Math.max(maxScale, scales[s]);
            maxMin = Math.max(maxMin, mins[s]);
        }
        short dBits = Float.floatToFloat16(maxScale / 63);
        short dminBits = Float.floatToFloat16(maxMin / 63);
        out.set(HALF, at, dBits);
        out.set(HALF, at + 2, dminBits);
        float d = Float.float16ToFloat(dBits);
        float dmin = Float.float16ToFloat(dminBits);
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int s = 0; s < 8; s++) {
            sc[s] = d > 0 ? Math.min(63, Math.round(scales[s] / d)) : 0;
            m[s] = dmin > 0 ? Math.min(63, Math.round(mins[s] / dmin)) : 0;
        }
        // ggml's 12-byte packing: bytes 0-3 scale j (6 bits) under the top bits of scale j+4, bytes 4-7 the same for
        // the mins, bytes 8-11 the low nibbles of scale j+4 and min j+4.
        for (int j = 0; j < 4; j++) {
            out.set(ValueLayout.JAVA_BYTE, at + 4 + j, (byte) (sc[j] | ((sc[j + 4] >> 4) << 6)));
            out.set(ValueLayout.JAVA_BYTE, at + 8 + j, (byte) (m[j] | ((m[j + 4] >> 4) << 6)));
            out.set(ValueLayout.JAVA_BYTE, at + 12 + j, (byte) ((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4)));
        }
        long qh = at + 16;
        long qs = at + (fifthBit ? 48 : 16);
        for (int s = 0; s < 8; s++) {
            float step = d * sc[s];
            float offset = dmin * m[s];
            for (int l = 0; l < 32; l++) {
                int q = step > 0 ? Math.round((x[from + 32 * s + l] + offset) / step) : 0;
                q = Math.max(0, Math.min(levels, q));
                long byteAt = qs + 32L * (s / 2) + l;
                byte old = out.get(ValueLayout.JAVA_BYTE, byteAt);
                out.set(ValueLayout.JAVA_BYTE, byteAt, (byte) (old | ((q & 15) << (4 * (s % 2)))));
                if (fifthBit) {
                    byte bits = out.get(ValueLayout.JAVA_BYTE, qh + l);
                    out.set(ValueLayout.JAVA_BYTE, qh + l, (byte) (bits | ((q >> 4) << s)));
                }
            }
        }
    }

    /** Q6_K: sixteen sub-blocks of 16 with int8 scales relative to {@code d}, values {@code q − 32} in 6 bits. */
    private static void q6K(float[] x, int from, MemorySegment out, long at) {
        float[] scales = new float[16];
        float maxScale = 0;
        for (int s = 0; s < 16; s++) {
            float max = 0;
            for (int l = 0; l < 16; l++) {
                max = Math.max(max, Math.abs(x[from + 16 * s + l]));
            }
            scales[s] = max / 31;
            maxScale = Math.max(maxScale, scales[s]);
        }
        short dBits = Float.floatToFloat16(maxScale / 127);
        out.set(HALF, at + 208, dBits);
        float d = Float.float16ToFloat(dBits);
        for (int s = 0; s < 16; s++) {
            int sc = d > 0 ? Math.min(127, Math.round(scales[s] / d)) : 0;
            out.set(ValueLayout.JAVA_BYTE, at + 192 + s, (byte) sc);
            float step = d * sc;
            for (int l = 0; l < 16; l++) {
                int e = 16 * s + l;
                int q = step > 0 ? Math.round(x[from + e] / step) : 0;
                q = Math.max(-32, Math.min(31, q)) + 32;
                // Element e is l' + 32k of half e/128 (l' < 32, k < 4): low nibble in ql[l' + 32(k mod 2)] (high
                // nibble when k ≥ 2), top two bits at bits 2k of qh[l'].
                int half = e / 128;
                int inHalf = e % 128;
                int k = inHalf / 32;
                int lp = inHalf % 32;
                long ql = at + 64L * half + lp + 32L * (k % 2);
                long qh = at + 128 + 32L * half + lp;
                byte low = out.get(ValueLayout.JAVA_BYTE, ql);
                out.set(ValueLayout.JAVA_BYTE, ql, (byte) (low | ((q & 15) << (k >= 2 ? 4 : 0))));
                byte bits = out.get(ValueLayout.JAVA_BYTE, qh);
                out.set(ValueLayout.JAVA_BYTE, qh, (byte) (bits | ((q >> 4) << (2 * k))));
            }
        }
    }
}
