package org.evomerge.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Block decoders against hand-worked blocks and against an independent model of each layout: the test packs chosen
 * quants, scales and minimums into bytes as ggml's block layout describes them (the encoding direction, written
 * separately from the decoder) and checks that decoding gives back the formula's values bit for bit.
 */
class QuantCodecsTest {

    private static final short F16_ONE = 0x3C00;
    private static final short F16_HALF = 0x3800;
    private static final short F16_QUARTER = 0x3400;
    private static final short F16_TWO = 0x4000;

    private static MemorySegment segment(byte[] bytes) {
        return MemorySegment.ofArray(bytes);
    }

    private static void putHalf(byte[] block, int at, short bits) {
        block[at] = (byte) bits;
        block[at + 1] = (byte) (bits >>> 8);
    }

    // ---- Q8_0 -------------------------------------------------------------------------------------------------------

    @Test
    void q8_0HandWorkedBlock() {
        byte[] block = new byte[34];
        putHalf(block, 0, F16_HALF);
        block[2] = -128;
        block[3] = -1;
        block[4] = 0;
        block[5] = 1;
        block[33] = 127;
        float[] out = new float[32];
        QuantCodecs.decodeQ8_0(segment(block), 0, out, 0);
        assertEquals(-64f, out[0], 0f);
        assertEquals(-0.5f, out[1], 0f);
        assertEquals(0f, out[2], 0f);
        assertEquals(0.5f, out[3], 0f);
        assertEquals(63.5f, out[31], 0f);
    }

    // ---- Q4_0 -------------------------------------------------------------------------------------------------------

    @Test
    void q4_0HandWorkedBlock() {
        byte[] block = new byte[18];
        putHalf(block, 0, F16_TWO);
        block[2] = (byte) 0x80; // low nibble 0 -> element 0, high nibble 8 -> element 16
        block[3] = (byte) 0xF7; // low 7 -> element 1, high 15 -> element 17
        block[17] = (byte) 0x19; // low 9 -> element 15, high 1 -> element 31
        float[] out = new float[32];
        QuantCodecs.decodeQ4_0(segment(block), 0, out, 0);
        assertEquals(-16f, out[0], 0f);
        assertEquals(0f, out[16], 0f);
        assertEquals(-2f, out[1], 0f);
        assertEquals(14f, out[17], 0f);
        assertEquals(2f, out[15], 0f);
        assertEquals(-14f, out[31], 0f);
        // Untouched bytes hold nibble 0: (0 - 8) * 2.
        assertEquals(-16f, out[5], 0f);
        assertEquals(-16f, out[21], 0f);
    }

    // ---- Q4_K -------------------------------------------------------------------------------------------------------

    @Test
    void q4KHandWorkedBlock() {
        byte[] block = new byte[144];
        putHalf(block, 0, F16_ONE);  // d
        putHalf(block, 2, F16_HALF); // dmin
        int s = 4;                   // scales start
        int qs = 16;
        block[s] = 3;                // scale 0 = 3
        block[s + 4] = 2;            // min 0 = 2
        block[s + 1] = (byte) 0xC1;  // scale 1 = 1; top bits 11 are the high bits of scale 5
        block[s + 5] = (byte) 0x80;  // min 1 = 0; top bits 10 are the high bits of min 5
        block[s + 9] = 0x25;         // scale 5 low bits 0101, min 5 low bits 0010 -> scale 5 = 53, min 5 = 34
        block[qs] = 0x07;            // element 0 (sub-block 0, low) = 7; element 32 (sub-block 1, high) = 0
        block[qs + 1] = (byte) 0xF0; // element 33 (sub-block 1, high) = 15
        block[qs + 64] = (byte) 0xA0; // pair 2: element 160 (sub-block 5, high) = 10, element 128 (sub-block 4) = 0
        float[] out = new float[256];
        QuantCodecs.decodeQ4K(segment(block), 0, out, 0);
        assertEquals(3 * 7 - 0.5f * 2, out[0], 0f);
        assertEquals(-1f, out[1], 0f);        // q 0 in sub-block 0: -dmin * 2
        assertEquals(0f, out[32], 0f);
        assertEquals(15f, out[33], 0f);
        assertEquals(0f, out[128], 0f);       // scale 4 and min 4 are 0
        assertEquals(53 * 10 - 0.5f * 34, out[160], 0f);
        assertEquals(-17f, out[161], 0f);
    }

    /** Packs 8 six-bit scales and mins as ggml's 12-byte {@code scales} field lays them out. */
    private static void packQ4KScales(byte[] block, int at, int[] scale, int[] min) {
        for (int j = 0; j < 4; j++) {
            // Bytes 0-3: scale j in the low 6 bits, the top 2 bits of scale j+4 above them.
            block[at + j] = (byte) (scale[j] | ((scale[j + 4] >> 4) << 6));
            // Bytes 4-7: the same for the mins.
            block[at + 4 + j] = (byte) (min[j] | ((min[j + 4] >> 4) << 6));
            // Bytes 8-11: low 4 bits of scale j+4 below the low 4 bits of min j+4.
            block[at + 8 + j] = (byte) ((scale[j + 4] & 0xF) | ((min[j + 4] & 0xF) << 4));
        }
    }

    @Test
    void q4KMatchesTheLayoutModelOnRandomBlocks() {
        SplittableRandom random = new SplittableRandom(41);
        int blocks = 64;
        byte[] bytes = new byte[blocks * 144];
        float[] expected = new float[blocks * 256];
        for (int b = 0; b < blocks; b++) {
            int at = b * 144;
            short dBits = randomFiniteHalf(random);
            short dminBits = randomFiniteHalf(random);
            putHalf(bytes, at, dBits);
            putHalf(bytes, at + 2, dminBits);
            float d = Float.float16ToFloat(dBits);
            float dmin = Float.float16ToFloat(dminBits);
            int[] scale = new int[8];
            int[] min = new int[8];
            for (int j = 0; j < 8; j++) {
                scale[j] = random.nextInt(64);
                min[j] = random.nextInt(64);
            }
            packQ4KScales(bytes, at + 4, scale, min);
            int[] q = new int[256];
            for (int e = 0; e < 256; e++) {
                q[e] = random.nextInt(16);
            }
            // Element e lives in sub-block e/32; sub-blocks 2p and 2p+1 share bytes qs[32p .. 32p+32), low then high.
            for (int e = 0; e < 256; e++) {
                int sub = e / 32;
                int byteIndex = at + 16 + 32 * (sub / 2) + e % 32;
                int shift = (sub % 2) * 4;
                bytes[byteIndex] = (byte) (bytes[byteIndex] | (q[e] << shift));
                expected[b * 256 + e] = (d * scale[sub]) * q[e] - dmin * min[sub];
            }
        }
        float[] out = new float[blocks * 256];
        MemorySegment src = segment(bytes);
        for (int b = 0; b < blocks; b++) {
            QuantCodecs.decodeQ4K(src, b * 144L, out, b * 256);
        }
        assertBitsEqual(expected, out, "Q4_K");
    }

    // ---- Q5_K -------------------------------------------------------------------------------------------------------

    @Test
    void q5KHandWorkedBlock() {
        byte[] block = new byte[176];
        putHalf(block, 0, F16_ONE);  // d
        putHalf(block, 2, F16_HALF); // dmin
        int s = 4;                   // scales start (Q4_K's packing)
        int qh = 16;
        int qs = 48;
        block[s] = 3;                // scale 0 = 3
        block[s + 4] = 2;            // min 0 = 2
        block[s + 1] = (byte) 0xC1;  // scale 1 = 1; top bits 11 are the high bits of scale 5
        block[s + 5] = (byte) 0x80;  // min 1 = 0; top bits 10 are the high bits of min 5
        block[s + 9] = 0x25;         // scale 5 = 53, min 5 = 34
        block[qs] = 0x07;            // element 0 nibble 7, element 32 nibble 0
        block[qh] = 0x03;            // fifth bits of element 0 (bit 0) and element 32 (bit 1)
        block[qs + 1] = (byte) 0xF0; // element 33 nibble 15, no fifth bit
        block[qs + 64] = (byte) 0xA0; // element 160 (sub-block 5, high) nibble 10
        block[qh] |= 0x20;           // bit 5: element 160's fifth bit
        block[qh + 31] = (byte) 0x80; // bit 7: element 255 (sub-block 7, l = 31) gets 16, nibble 0
        float[] out = new float[256];
        QuantCodecs.decodeQ5K(segment(block), 0, out, 0);
        assertEquals(3 * (7 + 16) - 0.5f * 2, out[0], 0f);
        assertEquals(-1f, out[1], 0f);
        assertEquals(16f, out[32], 0f);
        assertEquals(15f, out[33], 0f);
        assertEquals(53 * (10 + 16) - 0.5f * 34, out[160], 0f);
        assertEquals(-17f, out[161], 0f);
        assertEquals(0f, out[255], 0f);       // scale 7 and min 7 are 0
    }

    @Test
    void q5KMatchesTheLayoutModelOnRandomBlocks() {
        SplittableRandom random = new SplittableRandom(43);
        int blocks = 64;
        byte[] bytes = new byte[blocks * 176];
        float[] expected = new float[blocks * 256];
        for (int b = 0; b < blocks; b++) {
            int at = b * 176;
            short dBits = randomFiniteHalf(random);
            short dminBits = randomFiniteHalf(random);
            putHalf(bytes, at, dBits);
            putHalf(bytes, at + 2, dminBits);
            float d = Float.float16ToFloat(dBits);
            float dmin = Float.float16ToFloat(dminBits);
            int[] scale = new int[8];
            int[] min = new int[8];
            for (int j = 0; j < 8; j++) {
                scale[j] = random.nextInt(64);
                min[j] = random.nextInt(64);
            }
            packQ4KScales(bytes, at + 4, scale, min);
            // Element e (sub-block e/32, l = e mod 32): low 4 bits in qs as Q4_K, the fifth in bit e/32 of qh[l].
            for (int e = 0; e < 256; e++) {
                int q = random.nextInt(32);
                int sub = e / 32;
                int l = e % 32;
                int byteIndex = at + 48 + 32 * (sub / 2) + l;
                bytes[byteIndex] = (byte) (bytes[byteIndex] | ((q & 15) << ((sub % 2) * 4)));
                bytes[at + 16 + l] = (byte) (bytes[at + 16 + l] | ((q >> 4) << sub));
                expected[b * 256 + e] = (d * scale[sub]) * q - dmin * min[sub];
            }
        }
        float[] out = new float[blocks * 256];
        MemorySegment src = segment(bytes);
        for (int b = 0; b < blocks; b++) {
            QuantCodecs.decodeQ5K(src, b * 176L, out, b * 256);
        }
        assertBitsEqual(expected, out, "Q5_K");
    }

    // ---- Q6_K -------------------------------------------------------------------------------------------------------

    @Test
    void q6KHandWorkedBlock() {
        byte[] block = new byte[210];
        int qh = 128;
        int sc = 192;
        putHalf(block, 208, F16_QUARTER);
        block[sc] = 2;
        block[sc + 2] = -3;
        block[sc + 4] = 7;
        block[sc + 6] = -1;
        block[sc + 9] = 9;
        block[0] = 0x5A;              // ql[0]: low 10 -> element 0, high 5 -> element 64
        block[32] = 0x3F;             // ql[32]: low 15 -> element 32, high 3 -> element 96
        block[qh] = (byte) 0xE4;      // qh[0] bit pairs 00, 01, 10, 11 -> elements 0, 32, 64, 96
        block[64 + 17] = 0x01;        // second half, l = 17: low nibble 1 -> element 145
        block[qh + 32 + 17] = 0x02;   // its high bits 10
        float[] out = new float[256];
        QuantCodecs.decodeQ6K(segment(block), 0, out, 0);
        assertEquals(0.25f * 2 * (10 - 32), out[0], 0f);                 // -11
        assertEquals(0.25f * -3 * ((15 | 16) - 32), out[32], 0f);        // 0.75
        assertEquals(0.25f * 7 * ((5 | 32) - 32), out[64], 0f);          // 8.75
        assertEquals(0.25f * -1 * ((3 | 48) - 32), out[96], 0f);         // -4.75
        assertEquals(0.25f * 9 * ((1 | 32) - 32), out[145], 0f);         // 2.25
        assertEquals(-11f, out[0], 0f);
        assertEquals(0.75f, out[32], 0f);
        assertEquals(8.75f, out[64], 0f);
        assertEquals(-4.75f, out[96], 0f);
        assertEquals(2.25f, out[145], 0f);
        assertEquals(0.25f * 2 * -32, out[1], 0f);                       // zero bytes: q = -32, scale 0 is 2
        assertEquals(0.25f * 9 * -32, out[144], 0f);                     // second half, l = 16: scale 9
    }

    @Test
    void q6KMatchesTheLayoutModelOnRandomBlocks() {
        SplittableRandom random = new SplittableRandom(61);
        int blocks = 64;
        byte[] bytes = new byte[blocks * 210];
        float[] expected = new float[blocks * 256];
        for (int b = 0; b < blocks; b++) {
            int at = b * 210;
            short dBits = randomFiniteHalf(random);
            putHalf(bytes, at + 208, dBits);
            float d = Float.float16ToFloat(dBits);
            int[] scale = new int[16];
            for (int j = 0; j < 16; j++) {
                scale[j] = random.nextInt(256) - 128;
                bytes[at + 192 + j] = (byte) scale[j];
            }
            for (int e = 0; e < 256; e++) {
                int q = random.nextInt(64);
                // Element e: half h = e/128, within it r = e%128 = 32k + l. Low nibble in ql[64h + l + 32(k%2)]
                // (low half of the byte for k < 2), high 2 bits at bit 2k of qh[32h + l], scale index 8h + l/16 + 2k.
                int h = e / 128;
                int r = e % 128;
                int k = r / 32;
                int l = r % 32;
                int qlIndex = at + 64 * h + l + 32 * (k % 2);
                bytes[qlIndex] = (byte) (bytes[qlIndex] | ((q & 0xF) << (k < 2 ? 0 : 4)));
                int qhIndex = at + 128 + 32 * h + l;
                bytes[qhIndex] = (byte) (bytes[qhIndex] | ((q >> 4) << (2 * k)));
                int s = scale[8 * h + l / 16 + 2 * k];
                expected[b * 256 + e] = d * s * (q - 32);
            }
        }
        float[] out = new float[blocks * 256];
        MemorySegment src = segment(bytes);
        for (int b = 0; b < blocks; b++) {
            QuantCodecs.decodeQ6K(src, b * 210L, out, b * 256);
        }
        assertBitsEqual(expected, out, "Q6_K");
    }

    // ---- shared -----------------------------------------------------------------------------------------------------

    @Test
    void q8_0AndQ4_0MatchTheirFormulasOnRandomBlocks() {
        SplittableRandom random = new SplittableRandom(7);
        byte[] q8 = new byte[34 * 16];
        byte[] q4 = new byte[18 * 16];
        random.nextBytes(q8);
        random.nextBytes(q4);
        float[] out8 = new float[32 * 16];
        float[] out4 = new float[32 * 16];
        for (int b = 0; b < 16; b++) {
            QuantCodecs.decodeQ8_0(segment(q8), b * 34L, out8, b * 32);
            QuantCodecs.decodeQ4_0(segment(q4), b * 18L, out4, b * 32);
        }
        for (int e = 0; e < 32 * 16; e++) {
            int b = e / 32;
            int j = e % 32;
            float d8 = Float.float16ToFloat((short) ((q8[b * 34] & 0xFF) | (q8[b * 34 + 1] << 8)));
            assertSameBits(q8[b * 34 + 2 + j] * d8, out8[e], "Q8_0 element " + e);
            float d4 = Float.float16ToFloat((short) ((q4[b * 18] & 0xFF) | (q4[b * 18 + 1] << 8)));
            int packed = q4[b * 18 + 2 + j % 16] & 0xFF;
            int nibble = j < 16 ? packed & 0xF : packed >> 4;
            assertSameBits((nibble - 8) * d4, out4[e], "Q4_0 element " + e);
        }
    }

    @Test
    void decodesAtAnOffsetOfAMappedLikeSegment() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(7 + 34);
            src.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 7, F16_ONE);
            src.set(ValueLayout.JAVA_BYTE, 7 + 2 + 5, (byte) -3);
            float[] out = new float[40];
            QuantCodecs.decodeQ8_0(src, 7, out, 8);
            assertEquals(-3f, out[8 + 5], 0f);
            assertEquals(0f, out[7], 0f);
        }
    }

    @Test
    void refusesBlocksOutsideTheSegmentOrArray() {
        MemorySegment q6 = segment(new byte[209]);
        assertThrows(IndexOutOfBoundsException.class, () -> QuantCodecs.decodeQ6K(q6, 0, new float[256], 0));
        MemorySegment q4 = segment(new byte[144]);
        assertThrows(IndexOutOfBoundsException.class, () -> QuantCodecs.decodeQ4K(q4, 1, new float[256], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> QuantCodecs.decodeQ4K(q4, 0, new float[256], 1));
        assertThrows(IndexOutOfBoundsException.class, () -> QuantCodecs.decodeQ8_0(segment(new byte[34]), -1, new float[32], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> QuantCodecs.decodeQ4_0(segment(new byte[18]), 0, new float[31], 0));
    }

    /** A finite fp16 scale with a random exponent, so products cover many magnitudes without overflowing. */
    private static short randomFiniteHalf(SplittableRandom random) {
        int sign = random.nextBoolean() ? 0x8000 : 0;
        int exponent = 1 + random.nextInt(25);
        return (short) (sign | (exponent << 10) | random.nextInt(1 << 10));
    }

    private static void assertSameBits(float expected, float actual, String what) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                what + ": expected " + expected + " but was " + actual);
    }

    private static void assertBitsEqual(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertSameBits(expected[i], actual[i], what + " element " + i);
        }
    }
}
