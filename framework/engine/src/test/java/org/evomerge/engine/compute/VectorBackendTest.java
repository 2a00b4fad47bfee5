package org.evomerge.engine.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential tests: {@link ReferenceBackend} is the oracle, and where the contract promises identical bits the
 * vector backend must give them for every length, since lengths that are not a multiple of the lane count exercise
 * the scalar tails. Codecs and reductions are also checked against oracles written here, so a bug shared by both
 * backends (they share {@code FloatCodecs}) does not go unnoticed.
 */
class VectorBackendTest {

    /** Around every plausible lane count (4, 8, 16) and tail length, plus long arrays. */
    private static final int[] SIZES = {0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 1000, 4099};

    /**
     * Reductions may add in any order, so they are compared with a compensated sum. The error allowed is 1e-12 of
     * Σ|aᵢ·bᵢ|, the scale double-precision summation errors are proportional to (for sums of squares this is the
     * plain relative error); the worst case for 4099 terms is about 5e-13.
     */
    private static final double RELATIVE_TOLERANCE = 1e-12;

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final float[] SPECIAL_FLOATS = {
            0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            Float.intBitsToFloat(0x7FC0_0001), // quiet NaN with a payload in the low bits
            Float.intBitsToFloat(0xFFA1_2345), // negative quiet NaN with a payload
            Float.intBitsToFloat(0x7F80_0001), // signalling NaN whose payload truncation would lose
            Float.intBitsToFloat(0xFF80_0001),
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.intBitsToFloat(0x007F_FFFF),
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.intBitsToFloat(0x7F7F_8000), Float.intBitsToFloat(0x7F7F_7FFF),
            1f, -1f,
            Float.intBitsToFloat(0x3F80_8000), // halfway between bf16 0x3F80 and 0x3F81: ties to even (down)
            Float.intBitsToFloat(0x3F81_8000), // halfway between 0x3F81 and 0x3F82: ties to even (up)
            Float.intBitsToFloat(0x3F80_8001), Float.intBitsToFloat(0x3F80_7FFF),
            Float.intBitsToFloat(0xBF81_8000), Float.intBitsToFloat(0x0000_8000), Float.intBitsToFloat(0x0001_8000),
            65504f, 65520f, 6.1035156e-5f, 5.9604645e-8f, 2.9802322e-8f, // f16 max, overflow tie, min normal, subnormals
    };

    private final ComputeBackend reference = new ReferenceBackend();
    private final ComputeBackend vector = new VectorBackend();

    static IntStream sizes() {
        return Arrays.stream(SIZES);
    }

    static Stream<ComputeBackend> backends() {
        return Stream.of(new ReferenceBackend(), new VectorBackend());
    }

    // ---- element-wise arithmetic: bit-identical -------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("sizes")
    void weightedSumIsBitIdenticalToReference(int n) {
        SplittableRandom random = new SplittableRandom(1000 + n);
        for (int models : new int[] {0, 1, 2, 3, 7}) {
            float[][] inputs = new float[models][];
            float[] weights = new float[models];
            for (int m = 0; m < models; m++) {
                inputs[m] = randomFloats(random, n);
                weights[m] = (float) (random.nextDouble() * 2 - 1);
            }
            float[] expected = new float[n];
            float[] actual = new float[n];
            Arrays.fill(actual, 123f); // stale contents must be overwritten, not accumulated into
            reference.weightedSum(inputs, weights, expected);
            vector.weightedSum(inputs, weights, actual);
            assertBitsEqual(expected, actual, "weightedSum n=" + n + " models=" + models);
        }
    }

    @Test
    void weightedSumAgreesOnSpecialValues() {
        int n = 4099;
        SplittableRandom random = new SplittableRandom(7);
        float[][] inputs = {specialMix(random, n), specialMix(random, n), randomFloats(random, n)};
        float[] weights = {0.5f, -0f, Float.MIN_VALUE};
        float[] expected = new float[n];
        float[] actual = new float[n];
        reference.weightedSum(inputs, weights, expected);
        vector.weightedSum(inputs, weights, actual);
        assertBitsEqualNanAgnostic(expected, actual, "weightedSum with special values");
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void axpyIsBitIdenticalToReference(int n) {
        SplittableRandom random = new SplittableRandom(2000 + n);
        for (int round = 0; round < 3; round++) {
            float a = round == 0 ? -0f : (float) (random.nextDouble() * 4 - 2);
            float[] x = randomFloats(random, n);
            float[] y = randomFloats(random, n);
            float[] expected = y.clone();
            float[] actual = y.clone();
            reference.axpy(a, x, expected);
            vector.axpy(a, x, actual);
            assertBitsEqual(expected, actual, "axpy n=" + n + " a=" + a);
        }
    }

    @Test
    void axpyAgreesOnSpecialValues() {
        int n = 1000;
        SplittableRandom random = new SplittableRandom(8);
        for (float a : new float[] {0f, -0f, 1f, Float.MAX_VALUE, Float.MIN_VALUE, Float.POSITIVE_INFINITY}) {
            float[] x = specialMix(random, n);
            float[] y = specialMix(random, n);
            float[] expected = y.clone();
            float[] actual = y.clone();
            reference.axpy(a, x, expected);
            vector.axpy(a, x, actual);
            assertBitsEqualNanAgnostic(expected, actual, "axpy a=" + a);
        }
    }

    // ---- F32 and BF16 codecs: bit-identical ----------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("sizes")
    void f32DecodeKeepsEveryBitPattern(int n) {
        SplittableRandom random = new SplittableRandom(3000 + n);
        int[] bits = randomBitPatterns(random, n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(I32, n);
            for (int i = 0; i < n; i++) {
                src.setAtIndex(I32, i, bits[i]);
            }
            for (ComputeBackend backend : new ComputeBackend[] {reference, vector}) {
                float[] dst = new float[n];
                backend.toFloat(src, DType.F32, dst, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(bits[i], Float.floatToRawIntBits(dst[i]), () -> backend.id() + " F32 decode");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void f32EncodeKeepsEveryBitPattern(int n) {
        SplittableRandom random = new SplittableRandom(3500 + n);
        float[] src = toFloats(randomBitPatterns(random, n));
        try (Arena arena = Arena.ofConfined()) {
            for (ComputeBackend backend : new ComputeBackend[] {reference, vector}) {
                MemorySegment dst = arena.allocate(I32, n);
                backend.fromFloat(src, DType.F32, dst, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(Float.floatToRawIntBits(src[i]), dst.getAtIndex(I32, i), backend.id() + " F32 encode");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void bf16DecodeIsBitIdenticalAndExact(int n) {
        SplittableRandom random = new SplittableRandom(4000 + n);
        short[] bits = new short[n];
        short[] specials = {0x0000, (short) 0x8000, 0x7F80, (short) 0xFF80, 0x7FC0, 0x7FC1, (short) 0xFF81, 0x7F81,
                0x0001, (short) 0x807F, 0x7F7F, (short) 0xFF7F, 0x3F80, 0x0080};
        for (int i = 0; i < n; i++) {
            bits[i] = i < specials.length ? specials[i] : (short) random.nextInt();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(I16, n);
            for (int i = 0; i < n; i++) {
                src.setAtIndex(I16, i, bits[i]);
            }
            float[] expected = new float[n];
            float[] actual = new float[n];
            reference.toFloat(src, DType.BF16, expected, n);
            vector.toFloat(src, DType.BF16, actual, n);
            assertBitsEqual(expected, actual, "BF16 decode n=" + n);
            for (int i = 0; i < n; i++) {
                // bf16 is the top half of a float32, so decoding is a shift; sign extension must not leak in.
                assertEquals((bits[i] & 0xFFFF) << 16, Float.floatToRawIntBits(actual[i]), "BF16 decode of " + hex(bits[i]));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void bf16EncodeIsBitIdenticalAndRoundsToNearestEven(int n) {
        SplittableRandom random = new SplittableRandom(5000 + n);
        float[] src = new float[n];
        for (int i = 0; i < n; i++) {
            if (i < SPECIAL_FLOATS.length) {
                src[i] = SPECIAL_FLOATS[i];
            } else if (i % 3 == 0) {
                // Exactly halfway between two bf16 values, to exercise ties-to-even on odd and even neighbours.
                src[i] = Float.intBitsToFloat((random.nextInt() & 0xFFFF_0000) | 0x8000);
            } else {
                src[i] = Float.intBitsToFloat(random.nextInt());
            }
        }
        // The specials are placed at the front; rotate them through the vector body too, not only the first lanes.
        if (n > SPECIAL_FLOATS.length * 2) {
            System.arraycopy(SPECIAL_FLOATS, 0, src, n - SPECIAL_FLOATS.length, SPECIAL_FLOATS.length);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment expected = arena.allocate(I16, n);
            MemorySegment actual = arena.allocate(I16, n);
            reference.fromFloat(src, DType.BF16, expected, n);
            vector.fromFloat(src, DType.BF16, actual, n);
            for (int i = 0; i < n; i++) {
                short want = expected.getAtIndex(I16, i);
                short got = actual.getAtIndex(I16, i);
                int index = i;
                assertEquals(want, got, () -> "BF16 encode of " + hex(Float.floatToRawIntBits(src[index]))
                        + ": reference " + hex(want) + ", vector " + hex(got));
                assertEquals(independentBf16(src[i]), got & 0xFFFF,
                        () -> "BF16 encode of " + hex(Float.floatToRawIntBits(src[index])));
            }
        }
    }

    @Test
    void bf16EncodeKnownAnswers() {
        int[][] cases = {
                {0x3F80_8000, 0x3F80}, {0x3F81_8000, 0x3F82}, {0x3F80_8001, 0x3F81}, {0x3F80_7FFF, 0x3F80},
                {0xBF81_8000, 0xBF82},
                {0x7F7F_FFFF, 0x7F80}, {0xFF7F_FFFF, 0xFF80}, // MAX_VALUE rounds up to infinity
                {0x7F7F_7FFF, 0x7F7F},
                {0x7F80_0000, 0x7F80}, {0xFF80_0000, 0xFF80}, {0x0000_0000, 0x0000}, {0x8000_0000, 0x8000},
                {0x0000_0001, 0x0000}, {0x8000_0001, 0x8000}, {0x0000_8000, 0x0000}, {0x0001_8000, 0x0002},
                {0x7FC0_0000, 0x7FC0}, {0x7FA1_2345, 0x7FE1}, {0xFFA1_2345, 0xFFE1},
                {0x7F80_0001, 0x7FC0}, {0xFF80_0001, 0xFFC0}, // low-payload NaNs must not become infinities
        };
        int n = 64; // longer than one vector so the known answers go through the SIMD path as well as the tail
        float[] src = new float[n];
        for (int c = 0; c < cases.length; c++) {
            Arrays.fill(src, Float.intBitsToFloat(cases[c][0]));
            for (ComputeBackend backend : new ComputeBackend[] {reference, vector}) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment dst = arena.allocate(I16, n);
                    backend.fromFloat(src, DType.BF16, dst, n);
                    for (int i = 0; i < n; i++) {
                        assertEquals(cases[c][1], dst.getAtIndex(I16, i) & 0xFFFF,
                                backend.id() + " BF16 encode of " + hex(cases[c][0]) + " at " + i);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void codecsTouchOnlyTheFirstCountElements(ComputeBackend backend) {
        int capacity = 100;
        int count = 37;
        float[] src = randomFloats(new SplittableRandom(9), capacity);
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : new DType[] {DType.F32, DType.BF16, DType.F16}) {
                MemorySegment segment = arena.allocate(type.byteSize(capacity));
                segment.fill((byte) 0x5A);
                backend.fromFloat(src, type, segment, count);
                for (long b = type.byteSize(count); b < segment.byteSize(); b++) {
                    assertEquals((byte) 0x5A, segment.get(ValueLayout.JAVA_BYTE, b), backend.id() + " " + type + " wrote byte " + b);
                }
                float[] dst = new float[capacity];
                Arrays.fill(dst, -7f);
                backend.toFloat(segment, type, dst, count);
                for (int i = count; i < capacity; i++) {
                    assertEquals(-7f, dst[i], backend.id() + " " + type + " wrote element " + i);
                }
            }
        }
    }

    @Test
    void typesWithoutSimdPathMatchReference() {
        int n = 1000;
        SplittableRandom random = new SplittableRandom(10);
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : DType.values()) {
                if (type.isQuantized()) {
                    continue;
                }
                MemorySegment src = arena.allocate(type.byteSize(n));
                for (long b = 0; b < src.byteSize(); b++) {
                    src.set(ValueLayout.JAVA_BYTE, b, (byte) random.nextInt());
                }
                float[] expected = new float[n];
                float[] actual = new float[n];
                reference.toFloat(src, type, expected, n);
                vector.toFloat(src, type, actual, n);
                assertBitsEqualNanAgnostic(expected, actual, type + " decode");
            }
        }
    }

    // ---- F16 ------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("backends")
    void f16DecodeOfEveryBitPatternMatchesJdk(ComputeBackend backend) {
        int n = 1 << 16;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(I16, n);
            for (int i = 0; i < n; i++) {
                src.setAtIndex(I16, i, (short) i);
            }
            float[] dst = new float[n];
            backend.toFloat(src, DType.F16, dst, n);
            for (int i = 0; i < n; i++) {
                assertSameFloat(Float.float16ToFloat((short) i), dst[i], backend.id() + " F16 decode of " + hex((short) i));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void f16RoundTripOfEveryBitPattern(ComputeBackend backend) {
        int n = 1 << 16;
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = Float.float16ToFloat((short) i);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment encoded = arena.allocate(I16, n);
            backend.fromFloat(values, DType.F16, encoded, n);
            float[] decoded = new float[n];
            backend.toFloat(encoded, DType.F16, decoded, n);
            for (int i = 0; i < n; i++) {
                short bits = encoded.getAtIndex(I16, i);
                if (isF16NaN((short) i)) {
                    // Float.float16ToFloat may be a CPU instruction that quiets signalling NaNs, so only NaN-ness
                    // and the sign are portable.
                    assertTrue(isF16NaN(bits), backend.id() + " F16 NaN " + hex((short) i) + " encoded as " + hex(bits));
                    assertEquals(i & 0x8000, bits & 0x8000, backend.id() + " F16 NaN sign");
                } else {
                    assertEquals((short) i, bits, backend.id() + " F16 round trip of " + hex((short) i));
                }
                assertSameFloat(values[i], decoded[i], backend.id() + " F16 decode after round trip of " + hex((short) i));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void f16EncodeRoundsLikeJdk(ComputeBackend backend) {
        int n = 4099;
        SplittableRandom random = new SplittableRandom(11);
        float[] src = new float[n];
        for (int i = 0; i < n; i++) {
            src[i] = i < SPECIAL_FLOATS.length ? SPECIAL_FLOATS[i]
                    : (i % 2 == 0 ? Float.intBitsToFloat(random.nextInt()) : randomFloats(random, 1)[0] * 1e-3f);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(I16, n);
            backend.fromFloat(src, DType.F16, dst, n);
            for (int i = 0; i < n; i++) {
                short expected = Float.floatToFloat16(src[i]);
                short actual = dst.getAtIndex(I16, i);
                if (Float.isNaN(src[i])) {
                    assertTrue(isF16NaN(actual), backend.id() + " F16 encode of NaN " + hex(Float.floatToRawIntBits(src[i])));
                } else {
                    assertEquals(expected, actual, backend.id() + " F16 encode of " + hex(Float.floatToRawIntBits(src[i])));
                }
            }
        }
    }

    // ---- reductions: within tolerance of an independent sum ---------------------------------------------------

    @ParameterizedTest
    @MethodSource("sizes")
    void dotMatchesCompensatedSum(int n) {
        SplittableRandom random = new SplittableRandom(6000 + n);
        float[] a = randomFloats(random, n);
        float[] b = randomFloats(random, n);
        double[] products = new double[n];
        double scale = 0;
        for (int i = 0; i < n; i++) {
            products[i] = (double) a[i] * b[i]; // exact: 24 + 24 significand bits fit in a double
            scale += Math.abs(products[i]);
        }
        double expected = compensatedSum(products);
        for (ComputeBackend backend : new ComputeBackend[] {reference, vector}) {
            double actual = backend.dot(a, b);
            assertEquals(expected, actual, RELATIVE_TOLERANCE * scale, backend.id() + " dot n=" + n);
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void dotOfPositiveDataMatchesWithinRelativeTolerance(int n) {
        // Same-sign data cannot cancel, so here the tolerance is a plain relative error.
        SplittableRandom random = new SplittableRandom(6500 + n);
        float[] a = new float[n];
        float[] b = new float[n];
        double[] products = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (0.5 + random.nextDouble());
            b[i] = (float) Math.scalb(0.5 + random.nextDouble(), random.nextInt(-30, 30));
            products[i] = (double) a[i] * b[i];
        }
        double expected = compensatedSum(products);
        for (ComputeBackend backend : new ComputeBackend[] {reference, vector}) {
            assertEquals(expected, backend.dot(a, b), RELATIVE_TOLERANCE * Math.abs(expected), backend.id() + " dot n=" + n);
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void sumOfSquaresMatchesCompensatedSum(int n) {
        SplittableRandom random = new SplittableRandom(7000 + n);
        float[] a = randomFloats(random, n);
        double[] squares = new double[n];
        for (int i = 0; i < n; i++) {
            squares[i] = (double) a[i] * a[i];
        }
        double expected = compensatedSum(squares);
        for (ComputeBackend backend : new ComputeBackend[] {reference, vector}) {
            double actual = backend.sumOfSquares(a);
            assertEquals(expected, actual, RELATIVE_TOLERANCE * expected, backend.id() + " sumOfSquares n=" + n);
            if (n == 0) {
                assertEquals(0.0, actual);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void reductionsPropagateNonFiniteValues(ComputeBackend backend) {
        float[] ones = new float[40];
        Arrays.fill(ones, 1f);
        float[] withNaN = ones.clone();
        withNaN[21] = Float.NaN;
        float[] withInf = ones.clone();
        withInf[38] = Float.POSITIVE_INFINITY;
        assertTrue(Double.isNaN(backend.dot(ones, withNaN)));
        assertEquals(Double.POSITIVE_INFINITY, backend.dot(ones, withInf));
        assertEquals(Double.POSITIVE_INFINITY, backend.sumOfSquares(withInf));
        // Each float squared fits in a double, so squares of MAX_VALUE must not overflow as they would in float.
        float[] big = new float[33];
        Arrays.fill(big, Float.MAX_VALUE);
        double max = Float.MAX_VALUE;
        assertEquals(33 * max * max, backend.sumOfSquares(big), RELATIVE_TOLERANCE * 33 * max * max);
    }

    // ---- argument checks ------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("backends")
    void tooSmallSegmentIsRejected(ComputeBackend backend) {
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : new DType[] {DType.F32, DType.BF16, DType.F16}) {
                int count = 33;
                MemorySegment small = arena.allocate(type.byteSize(count) - 1);
                assertThrows(IndexOutOfBoundsException.class,
                        () -> backend.toFloat(small, type, new float[count], count), backend.id() + " toFloat " + type);
                assertThrows(IndexOutOfBoundsException.class,
                        () -> backend.fromFloat(new float[count], type, small, count), backend.id() + " fromFloat " + type);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void countOutsideArrayIsRejected(ComputeBackend backend) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(1024);
            for (DType type : new DType[] {DType.F32, DType.BF16}) {
                assertThrows(IndexOutOfBoundsException.class, () -> backend.toFloat(segment, type, new float[16], 17));
                assertThrows(IndexOutOfBoundsException.class, () -> backend.fromFloat(new float[16], type, segment, 17));
                assertThrows(IndexOutOfBoundsException.class, () -> backend.toFloat(segment, type, new float[16], -1));
                assertThrows(IndexOutOfBoundsException.class, () -> backend.fromFloat(new float[16], type, segment, -1));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void mismatchedLengthsAreRejected(ComputeBackend backend) {
        float[] eight = new float[8];
        float[] nine = new float[9];
        assertThrows(IllegalArgumentException.class,
                () -> backend.weightedSum(new float[][] {eight, eight}, new float[] {1f}, new float[8]));
        assertThrows(IllegalArgumentException.class,
                () -> backend.weightedSum(new float[][] {eight, nine}, new float[] {1f, 1f}, new float[8]));
        assertThrows(IllegalArgumentException.class,
                () -> backend.weightedSum(new float[][] {eight}, new float[] {1f}, new float[9]));
        assertThrows(IllegalArgumentException.class, () -> backend.axpy(1f, eight, nine));
        assertThrows(IllegalArgumentException.class, () -> backend.dot(eight, nine));
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /** Finite floats of both signs over ~80 binades, with some zeros and subnormals, so rounding is exercised. */
    private static float[] randomFloats(SplittableRandom random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(50);
            if (kind == 0) {
                values[i] = random.nextBoolean() ? 0f : -0f;
            } else if (kind == 1) {
                values[i] = Float.intBitsToFloat(random.nextInt(1, 0x0080_0000)) * (random.nextBoolean() ? 1 : -1);
            } else {
                values[i] = (float) Math.scalb(random.nextDouble() * 2 - 1, random.nextInt(-40, 40));
            }
        }
        return values;
    }

    /** Random floats with a special value in about one lane out of four. */
    private static float[] specialMix(SplittableRandom random, int n) {
        float[] values = randomFloats(random, n);
        for (int i = 0; i < n; i++) {
            if (random.nextInt(4) == 0) {
                values[i] = SPECIAL_FLOATS[random.nextInt(SPECIAL_FLOATS.length)];
            }
        }
        return values;
    }

    /** Uniform random 32-bit patterns (about one in 256 is NaN) with the special values in front. */
    private static int[] randomBitPatterns(SplittableRandom random, int n) {
        int[] bits = new int[n];
        for (int i = 0; i < n; i++) {
            bits[i] = i < SPECIAL_FLOATS.length ? Float.floatToRawIntBits(SPECIAL_FLOATS[i]) : random.nextInt();
        }
        return bits;
    }

    private static float[] toFloats(int[] bits) {
        float[] values = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            values[i] = Float.intBitsToFloat(bits[i]);
        }
        return values;
    }

    /**
     * bf16 rounding written independently of FloatCodecs: round in double on the bf16 grid (8 significand bits,
     * float32's exponent range, so float32's subnormal spacing), then let the float cast turn 2^128 into infinity.
     */
    private static int independentBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return ((bits >>> 16) | 0x0040) & 0xFFFF;
        }
        if (Float.isInfinite(value) || value == 0f) {
            return bits >>> 16;
        }
        double magnitude = Math.abs((double) value);
        int exponent = Math.max(Math.getExponent(value), Float.MIN_EXPONENT);
        double quantum = Math.scalb(1.0, exponent - 7);
        double rounded = Math.rint(magnitude / quantum) * quantum;
        int roundedBits = Float.floatToRawIntBits((float) rounded) >>> 16;
        return (bits < 0 ? 0x8000 : 0) | roundedBits;
    }

    /** Neumaier's compensated summation: nearly exact, and in another order than either backend. */
    private static double compensatedSum(double[] values) {
        double sum = 0;
        double compensation = 0;
        for (double v : values) {
            double t = sum + v;
            compensation += Math.abs(sum) >= Math.abs(v) ? (sum - t) + v : (v - t) + sum;
            sum = t;
        }
        return sum + compensation;
    }

    private static boolean isF16NaN(short bits) {
        return (bits & 0x7C00) == 0x7C00 && (bits & 0x03FF) != 0;
    }

    private static void assertBitsEqual(float[] expected, float[] actual, String context) {
        assertEquals(expected.length, actual.length, context + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(context + ": element " + i + " reference " + expected[i] + " (" + hex(Float.floatToRawIntBits(expected[i]))
                        + "), vector " + actual[i] + " (" + hex(Float.floatToRawIntBits(actual[i])) + ")");
            }
        }
    }

    /**
     * Identical bits, except that two NaNs count as equal: NaNs made by arithmetic (∞−∞, 0·∞) or propagated
     * through it have payloads Java leaves to the hardware, and the scalar and SIMD instructions may differ.
     */
    private static void assertBitsEqualNanAgnostic(float[] expected, float[] actual, String context) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(expected[i]) && Float.isNaN(actual[i])) {
                continue;
            }
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(context + ": element " + i + " reference " + expected[i] + " (" + hex(Float.floatToRawIntBits(expected[i]))
                        + "), vector " + actual[i] + " (" + hex(Float.floatToRawIntBits(actual[i])) + ")");
            }
        }
    }

    /** Identical bits, except that a NaN need only decode to some NaN of the same sign (see the F16 round trip). */
    private static void assertSameFloat(float expected, float actual, String context) {
        if (Float.isNaN(expected)) {
            assertTrue(Float.isNaN(actual), context + ": expected NaN, got " + actual);
            assertEquals(Float.floatToRawIntBits(expected) & 0x8000_0000, Float.floatToRawIntBits(actual) & 0x8000_0000,
                    context + ": NaN sign");
        } else {
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual), context);
        }
    }

    private static String hex(int bits) {
        return String.format("0x%08X", bits);
    }

    private static String hex(short bits) {
        return String.format("0x%04X", bits & 0xFFFF);
    }
}
