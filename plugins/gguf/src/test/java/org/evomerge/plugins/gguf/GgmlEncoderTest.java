package org.evomerge.plugins.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The writer's encoders against the reference in {@link ReferenceEncoding} on values chosen to hit every rounding rule
 * (ties of Q8_0's rounding, of float16 and bfloat16, a block's largest magnitude negative or repeated with both signs,
 * zero blocks, subnormals, overflow), and against the bytes llama.cpp's own Python reference (gguf-py's
 * {@code quants.quantize} with numpy 2.4, run once on the same values) produced, by SHA-256.
 */
class GgmlEncoderTest {

    // SHA-256 of gguf-py's output for sample(): quants.quantize(values, F16 / BF16) and, in blocks of 32,
    // quants.quantize(values.reshape(128, 32), Q8_0 / Q4_0), gguf-py as of llama.cpp's November 2024 tree.
    private static final String GGUF_PY_F16 = "2fff87d4992845a30cd6c3851d247acd3235df1872806b31375a1d3e567ede0c";
    private static final String GGUF_PY_BF16 = "2424f93aed9774100fc348110f164473b3b7a78d60e3661449b0a3f3f74d65b8";
    private static final String GGUF_PY_Q8_0 = "5aad1985d3d263b11c8f1bb7002fc26d262b1ca9fcd5b7f14306fd7e54e4d5f9";
    private static final String GGUF_PY_Q4_0 = "ce225835debcc7fabb4e8298f713a381f1383eedee742bf4085e24ff3205e317";

    /**
     * 4096 values in 128 blocks of 32: blocks of Gaussian values at scales from 1e-8 to 1e5, blocks whose values are integer multiples of a power of
     * two (so that {@code x / d} lands on halves), blocks of zeros, of one repeated magnitude with both signs, with a
     * negative largest value, and values whose low 16 bits are exactly 0x8000 (bfloat16 ties).
     */
    static float[] sample() {
        SplittableRandom random = new SplittableRandom(20);
        float[] values = new float[4096];
        for (int block = 0; block < 128; block++) {
            int kind = block % 8;
            double scale = Math.pow(10, -8 + (block / 8) * 13.0 / 15);
            for (int j = 0; j < 32; j++) {
                int i = block * 32 + j;
                values[i] = switch (kind) {
                    case 0, 1 -> (float) (random.nextGaussian() * scale);
                    case 2 -> (float) ((random.nextInt(255) - 127) * 0.5 * Math.scalb(1.0, -block / 16));
                    case 3 -> 0f;
                    case 4 -> (j % 2 == 0 ? 1 : -1) * (float) scale;
                    case 5 -> j == 7 ? (float) (-3 * scale) : (float) (random.nextDouble() * scale);
                    case 6 -> Float.intBitsToFloat((Float.floatToRawIntBits((float) (random.nextGaussian() * scale))
                            & 0xffff0000) | 0x8000);
                    default -> (float) ((random.nextInt(33) - 16) * scale / 16);
                };
            }
        }
        values[100] = 70000f;
        values[101] = -65520f;
        values[102] = 65519f;
        values[103] = Float.MIN_VALUE;
        values[104] = 1e-7f;
        return values;
    }

    private static byte[] run(Encoder encoder, float[] values, int bytes) {
        MemorySegment out = MemorySegment.ofArray(new byte[bytes]);
        encoder.encode(values, out);
        return out.toArray(ValueLayout.JAVA_BYTE);
    }

    private interface Encoder {
        void encode(float[] values, MemorySegment out);
    }

    @Test
    void float16RoundsToNearestEvenAsNumpy() throws Exception {
        float[] values = sample();
        byte[] bytes = run((v, out) -> GgmlEncoder.f16(v, 0, v.length, out, 0), values, values.length * 2);
        assertArrayEquals(ReferenceEncoding.f16(values), bytes);
        assertGgufPy(GGUF_PY_F16, bytes);
    }

    @Test
    void bfloat16RoundsAsGgml() throws Exception {
        float[] values = sample();
        byte[] bytes = run((v, out) -> GgmlEncoder.bf16(v, 0, v.length, out, 0), values, values.length * 2);
        assertArrayEquals(ReferenceEncoding.bf16(values), bytes);
        assertGgufPy(GGUF_PY_BF16, bytes);
        // A NaN stays a NaN (quiet, sign and top payload kept), as ggml writes it.
        assertEquals((short) 0xffc1, GgmlEncoder.toBf16(Float.intBitsToFloat(0xff812345)));
        assertEquals((short) 0x7f80, GgmlEncoder.toBf16(Float.POSITIVE_INFINITY));
        assertEquals((short) 0x7f80, GgmlEncoder.toBf16(Float.MAX_VALUE));
    }

    @Test
    void q8_0QuantisesAsGgmlsReference() throws Exception {
        float[] values = sample();
        byte[] bytes = run((v, out) -> GgmlEncoder.q8_0(v, 0, v.length / 32, out, 0), values, values.length / 32 * 34);
        assertArrayEquals(ReferenceEncoding.q8_0(values), bytes);
        assertGgufPy(GGUF_PY_Q8_0, bytes);
    }

    @Test
    void q4_0QuantisesAsGgmlsReference() throws Exception {
        float[] values = sample();
        byte[] bytes = run((v, out) -> GgmlEncoder.q4_0(v, 0, v.length / 32, out, 0), values, values.length / 32 * 18);
        assertArrayEquals(ReferenceEncoding.q4_0(values), bytes);
        assertGgufPy(GGUF_PY_Q4_0, bytes);
    }

    @Test
    void agreeWithTheReferenceOnAMillionGaussianValues() {
        SplittableRandom random = new SplittableRandom(3);
        float[] values = new float[1 << 20];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-6, 3)));
        }
        assertArrayEquals(ReferenceEncoding.q8_0(values),
                run((v, out) -> GgmlEncoder.q8_0(v, 0, v.length / 32, out, 0), values, values.length / 32 * 34));
        assertArrayEquals(ReferenceEncoding.q4_0(values),
                run((v, out) -> GgmlEncoder.q4_0(v, 0, v.length / 32, out, 0), values, values.length / 32 * 18));
        assertArrayEquals(ReferenceEncoding.f16(values),
                run((v, out) -> GgmlEncoder.f16(v, 0, v.length, out, 0), values, values.length * 2));
    }

    @Test
    void roundfTakesHalvesAwayFromZero() {
        assertEquals(3f, GgmlEncoder.roundf(2.5f));
        assertEquals(-3f, GgmlEncoder.roundf(-2.5f));
        assertEquals(2f, GgmlEncoder.roundf(2.4999998f));
        assertEquals(-0f, GgmlEncoder.roundf(-0.4f));
        assertEquals(127f, GgmlEncoder.roundf(126.5f));
    }

    private static void assertGgufPy(String expectedSha256, byte[] bytes) throws Exception {
        String actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        assertEquals(expectedSha256, actual);
    }
}
