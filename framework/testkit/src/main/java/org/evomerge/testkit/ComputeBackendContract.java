package org.evomerge.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.evomerge.api.compute.AttentionShape;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.compute.InferenceOperations;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.SignElection;
import org.evomerge.api.compute.TaskVectorCombine;
import org.evomerge.api.compute.TaskVectorOperations;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.compute.VectorOperations;
import org.evomerge.api.compute.WeightHandle;
import org.evomerge.api.tensor.DType;
import org.evomerge.compute.ArrayBlocks;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.kernels.ElementMath;
import org.evomerge.kernels.FloatCodecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Contract of compute backends: every capability the backend offers, checked against {@code cpu-reference} (the
 * oracle) and against references written here, so that a bug the reference shares does not go unnoticed. Where the
 * API promises the same bits (codecs, element-wise operations, masks, ranks, task vectors, combines) the backend must
 * give them for every length, since lengths that are not a multiple of a vector width exercise the tails; reductions
 * (dot products, sums of squares, the L1 norms of masks) agree within {@link #reductionTolerance()}; inference kernels
 * within {@link #inferenceTolerance()} of double-precision sums. Inputs hold ±0, NaN payloads, infinities,
 * subnormals, unchanged elements (δ = 0) and tied magnitudes; tensors come whole and in blocks.
 *
 * <p>A capability the backend lacks ({@link ComputeBackend#taskVectors()} or {@link ComputeBackend#inference()}
 * empty) is skipped. Subclasses give the backend; extend this class once per backend, with the backend available
 * (a GPU backend's test skips itself where there is no device).
 */
public abstract class ComputeBackendContract {

    /** The oracle: plain scalar loops. */
    protected static final ReferenceBackend REFERENCE = new ReferenceBackend();

    /** Around every plausible lane count (4, 8, 16) and tail length, plus long arrays. */
    private static final int[] SIZES = {0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 1000, 4099};

    /** Sizes of the task-vector operations' checks: empty, tails, and several mask words. */
    private static final int[] TASK_SIZES = {0, 1, 7, 33, 1023, 4099};

    /** Beyond the size from which the vector backend selects with a sampled bracket (2^18 elements). */
    private static final int LARGE = (1 << 18) + 12_345;

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final DType[] BLOCK_TYPES = {DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q5_K, DType.Q6_K};

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

    /** The backend under test; available here. */
    protected abstract ComputeBackend backend();

    /**
     * The relative error allowed for reductions that may add in another order than the reference (dot products, sums
     * of squares, the L1 norms of masks), relative to the sum of the magnitudes of the terms: 1e-12 by default, the
     * rounding error of double sums of a few thousand terms.
     */
    protected double reductionTolerance() {
        return 1e-12;
    }

    /** The relative error allowed for inference kernels against double-precision sums: float rounding, 1e-4. */
    protected double inferenceTolerance() {
        return 1e-4;
    }

    static IntStream sizes() {
        return Arrays.stream(SIZES);
    }

    static IntStream taskSizes() {
        return Arrays.stream(TASK_SIZES);
    }

    private TensorCodecs codecs() {
        return backend().codecs();
    }

    private VectorOperations vectors() {
        return backend().vectors();
    }

    /**
     * Runs one vector operation on the reference and on this backend, each into its own copy of {@code start}.
     *
     * @return the reference's result, then this backend's
     */
    private float[][] onReferenceAndBackend(float[] start, BiConsumer<VectorOperations, float[]> operation) {
        float[] expected = start.clone();
        float[] actual = start.clone();
        operation.accept(REFERENCE, expected);
        operation.accept(vectors(), actual);
        return new float[][] {expected, actual};
    }

    /** The backend's task-vector operations; the test is skipped when it has none. */
    private TaskVectorOperations taskVectors() {
        var operations = backend().taskVectors();
        assumeTrue(operations.isPresent(), () -> backend().id() + " has no task-vector operations");
        return operations.orElseThrow();
    }

    // ---- identity ----------------------------------------------------------------------------------------------

    @Test
    void describesItselfAndHandsOutTheSameCapabilitiesEveryTime() {
        ComputeBackend backend = backend();
        assertTrue(backend.id().matches("[a-z][a-z0-9]*(-[a-z0-9]+)*"), "id '" + backend.id() + "'");
        assertTrue(backend.description() != null && !backend.description().isBlank(), "description");
        assertTrue(backend.isAvailable(), backend.id() + " must be available where its contract runs");
        assertSame(backend.codecs(), backend.codecs());
        assertSame(backend.vectors(), backend.vectors());
        assertEquals(backend.taskVectors().isPresent(), backend.taskVectors().isPresent());
        backend.taskVectors().ifPresent(t -> assertSame(t, backend.taskVectors().orElseThrow()));
    }

    // ---- codecs: F32 and BF16, the same bits -------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("sizes")
    void f32DecodeKeepsEveryBitPattern(int n) {
        int[] bits = randomBitPatterns(new SplittableRandom(3000 + n), n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(I32, n);
            for (int i = 0; i < n; i++) {
                src.setAtIndex(I32, i, bits[i]);
            }
            float[] dst = new float[n];
            codecs().toFloat(src, DType.F32, dst, n);
            for (int i = 0; i < n; i++) {
                assertEquals(bits[i], Float.floatToRawIntBits(dst[i]), "F32 decode of element " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void f32EncodeKeepsEveryBitPattern(int n) {
        float[] src = toFloats(randomBitPatterns(new SplittableRandom(3500 + n), n));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(I32, n);
            codecs().fromFloat(src, DType.F32, dst, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(src[i]), dst.getAtIndex(I32, i), "F32 encode of element " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void bf16DecodeIsTheReferencesAndExact(int n) {
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
            Decoded decoded = decodeBoth(src, DType.BF16, n);
            assertBitsEqual(decoded.reference(), decoded.backend(), "BF16 decode n=" + n);
            for (int i = 0; i < n; i++) {
                // bf16 is the top half of a float32, so decoding is a shift; sign extension must not leak in.
                assertEquals((bits[i] & 0xFFFF) << 16, Float.floatToRawIntBits(decoded.backend()[i]),
                        "BF16 decode of " + hex(bits[i]));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void bf16EncodeIsTheReferencesAndRoundsToNearestEven(int n) {
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
            REFERENCE.fromFloat(src, DType.BF16, expected, n);
            codecs().fromFloat(src, DType.BF16, actual, n);
            for (int i = 0; i < n; i++) {
                short want = expected.getAtIndex(I16, i);
                short got = actual.getAtIndex(I16, i);
                int index = i;
                assertEquals(want, got, () -> "BF16 encode of " + hex(Float.floatToRawIntBits(src[index]))
                        + ": reference " + hex(want) + ", " + backend().id() + " " + hex(got));
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
        for (int[] c : cases) {
            Arrays.fill(src, Float.intBitsToFloat(c[0]));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment dst = arena.allocate(I16, n);
                codecs().fromFloat(src, DType.BF16, dst, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(c[1], dst.getAtIndex(I16, i) & 0xFFFF, "BF16 encode of " + hex(c[0]) + " at " + i);
                }
            }
        }
    }

    @Test
    void codecsTouchOnlyTheFirstCountElements() {
        int capacity = 100;
        int count = 37;
        float[] src = randomFloats(new SplittableRandom(9), capacity);
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : new DType[] {DType.F32, DType.BF16, DType.F16}) {
                MemorySegment segment = arena.allocate(type.byteSize(capacity));
                segment.fill((byte) 0x5A);
                codecs().fromFloat(src, type, segment, count);
                for (long b = type.byteSize(count); b < segment.byteSize(); b++) {
                    assertEquals((byte) 0x5A, segment.get(ValueLayout.JAVA_BYTE, b), type + " wrote byte " + b);
                }
                float[] dst = new float[capacity];
                Arrays.fill(dst, -7f);
                codecs().toFloat(segment, type, dst, count);
                for (int i = count; i < capacity; i++) {
                    assertEquals(-7f, dst[i], type + " wrote element " + i);
                }
            }
        }
    }

    @Test
    void everyElementTypeDecodesAsTheReference() {
        int n = 1000;
        SplittableRandom random = new SplittableRandom(10);
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : DType.values()) {
                if (type.isQuantized()) {
                    continue;
                }
                Decoded decoded = decodeBoth(randomElements(arena, type, n, random), type, n);
                assertBitsEqualNanAgnostic(decoded.reference(), decoded.backend(), type + " decode");
            }
        }
    }

    @Test
    void everyFloatTypeEncodesAsTheReference() {
        int n = 4099;
        float[] src = specialMix(new SplittableRandom(12), n);
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : new DType[] {DType.F32, DType.F64, DType.BF16, DType.F16, DType.F8_E4M3,
                    DType.F8_E5M2}) {
                MemorySegment expected = arena.allocate(type.byteSize(n));
                MemorySegment actual = arena.allocate(type.byteSize(n));
                REFERENCE.fromFloat(src, type, expected, n);
                codecs().fromFloat(src, type, actual, n);
                float[] decodedExpected = new float[n];
                float[] decodedActual = new float[n];
                REFERENCE.toFloat(expected, type, decodedExpected, n);
                REFERENCE.toFloat(actual, type, decodedActual, n);
                assertBitsEqualNanAgnostic(decodedExpected, decodedActual, type + " encode");
            }
        }
    }

    // ---- codecs: F16 -------------------------------------------------------------------------------------------

    @Test
    void f16DecodeOfEveryBitPatternMatchesJdk() {
        int n = 1 << 16;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(I16, n);
            for (int i = 0; i < n; i++) {
                src.setAtIndex(I16, i, (short) i);
            }
            float[] dst = new float[n];
            codecs().toFloat(src, DType.F16, dst, n);
            for (int i = 0; i < n; i++) {
                assertSameFloat(Float.float16ToFloat((short) i), dst[i], "F16 decode of " + hex((short) i));
            }
        }
    }

    @Test
    void f16RoundTripOfEveryBitPattern() {
        int n = 1 << 16;
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = Float.float16ToFloat((short) i);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment encoded = arena.allocate(I16, n);
            codecs().fromFloat(values, DType.F16, encoded, n);
            float[] decoded = new float[n];
            codecs().toFloat(encoded, DType.F16, decoded, n);
            for (int i = 0; i < n; i++) {
                short bits = encoded.getAtIndex(I16, i);
                if (isF16NaN((short) i)) {
                    // Float.float16ToFloat may be a CPU instruction that quiets signalling NaNs, so only NaN-ness
                    // and the sign are portable.
                    assertTrue(isF16NaN(bits), "F16 NaN " + hex((short) i) + " encoded as " + hex(bits));
                    assertEquals(i & 0x8000, bits & 0x8000, "F16 NaN sign");
                } else {
                    assertEquals((short) i, bits, "F16 round trip of " + hex((short) i));
                }
                assertSameFloat(values[i], decoded[i], "F16 decode after round trip of " + hex((short) i));
            }
        }
    }

    @Test
    void f16EncodeRoundsLikeJdk() {
        int n = 4099;
        SplittableRandom random = new SplittableRandom(11);
        float[] src = new float[n];
        for (int i = 0; i < n; i++) {
            src[i] = i < SPECIAL_FLOATS.length ? SPECIAL_FLOATS[i]
                    : (i % 2 == 0 ? Float.intBitsToFloat(random.nextInt()) : randomFloats(random, 1)[0] * 1e-3f);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(I16, n);
            codecs().fromFloat(src, DType.F16, dst, n);
            for (int i = 0; i < n; i++) {
                short expected = Float.floatToFloat16(src[i]);
                short actual = dst.getAtIndex(I16, i);
                if (Float.isNaN(src[i])) {
                    assertTrue(isF16NaN(actual), "F16 encode of NaN " + hex(Float.floatToRawIntBits(src[i])));
                } else {
                    assertEquals(expected, actual, "F16 encode of " + hex(Float.floatToRawIntBits(src[i])));
                }
            }
        }
    }

    // ---- codecs: block-quantized types -------------------------------------------------------------------------

    @Test
    void decodesSeveralQ8_0BlocksInOrder() {
        // Block 0: d = 1, q = 0..31; block 1: d = -0.5, q = -1 everywhere.
        byte[] bytes = new byte[68];
        bytes[0] = 0x00;
        bytes[1] = 0x3C;
        for (int j = 0; j < 32; j++) {
            bytes[2 + j] = (byte) j;
        }
        bytes[34] = 0x00;
        bytes[35] = (byte) 0xB8;
        Arrays.fill(bytes, 36, 68, (byte) -1);
        float[] out = new float[64];
        codecs().toFloat(MemorySegment.ofArray(bytes), DType.Q8_0, out, 64);
        for (int j = 0; j < 32; j++) {
            assertEquals(j, out[j], 0f, "block 0 element " + j);
            assertEquals(0.5f, out[32 + j], 0f, "block 1 element " + j);
        }
    }

    @Test
    void decodesAQ4_0Block() {
        byte[] bytes = new byte[18];
        bytes[1] = 0x40; // d = 2
        bytes[2] = (byte) 0xF0; // element 0: nibble 0 -> -16; element 16: nibble 15 -> 14
        float[] out = new float[32];
        codecs().toFloat(MemorySegment.ofArray(bytes), DType.Q4_0, out, 32);
        assertEquals(-16f, out[0], 0f);
        assertEquals(14f, out[16], 0f);
        assertEquals(-16f, out[1], 0f);
    }

    @Test
    void randomQuantizedBlocksDecodeAsTheReference() {
        SplittableRandom random = new SplittableRandom(3);
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : BLOCK_TYPES) {
                int count = 4 * type.blockSize();
                Decoded decoded = decodeBoth(randomElements(arena, type, count, random), type, count);
                assertBitsEqual(decoded.reference(), decoded.backend(), type + " decode");
            }
        }
    }

    @Test
    void decodesOnlyTheRequestedBlocks() {
        for (DType type : BLOCK_TYPES) {
            MemorySegment src = MemorySegment.ofArray(new byte[(int) type.byteSize(3L * type.blockSize())]);
            float[] out = new float[3 * type.blockSize()];
            Arrays.fill(out, -7f);
            codecs().toFloat(src, type, out, type.blockSize());
            float[] tail = Arrays.copyOfRange(out, type.blockSize(), out.length);
            float[] untouched = new float[tail.length];
            Arrays.fill(untouched, -7f);
            assertArrayEquals(untouched, tail, type + " wrote past count");
        }
    }

    @Test
    void aCountThatIsNotWholeBlocksIsRejected() {
        for (DType type : BLOCK_TYPES) {
            MemorySegment src = MemorySegment.ofArray(new byte[(int) type.byteSize(2L * type.blockSize())]);
            int count = type.blockSize() + 1;
            assertThrows(IllegalArgumentException.class, () -> codecs().toFloat(src, type, new float[count], count),
                    type.toString());
        }
    }

    // ---- codecs: bounds ----------------------------------------------------------------------------------------

    @Test
    void aSegmentTooSmallForCountIsAnIndexError() {
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : new DType[] {DType.F32, DType.BF16, DType.F16}) {
                int count = 33;
                MemorySegment small = arena.allocate(type.byteSize(count) - 1);
                assertThrows(IndexOutOfBoundsException.class,
                        () -> codecs().toFloat(small, type, new float[count], count), "toFloat " + type);
                assertThrows(IndexOutOfBoundsException.class,
                        () -> codecs().fromFloat(new float[count], type, small, count), "fromFloat " + type);
            }
        }
        for (DType type : BLOCK_TYPES) {
            int count = 2 * type.blockSize();
            MemorySegment src = MemorySegment.ofArray(new byte[(int) type.byteSize(count) - 1]);
            assertThrows(IndexOutOfBoundsException.class, () -> codecs().toFloat(src, type, new float[count], count),
                    type.toString());
        }
    }

    @Test
    void aCountOutsideTheArrayIsAnIndexError() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(1024);
            for (DType type : new DType[] {DType.F32, DType.BF16}) {
                assertThrows(IndexOutOfBoundsException.class, () -> codecs().toFloat(segment, type, new float[16], 17));
                assertThrows(IndexOutOfBoundsException.class,
                        () -> codecs().fromFloat(new float[16], type, segment, 17));
                assertThrows(IndexOutOfBoundsException.class, () -> codecs().toFloat(segment, type, new float[16], -1));
                assertThrows(IndexOutOfBoundsException.class,
                        () -> codecs().fromFloat(new float[16], type, segment, -1));
            }
        }
    }

    // ---- vector operations: element-wise, the same bits --------------------------------------------------------

    @ParameterizedTest
    @MethodSource("sizes")
    void weightedSumIsTheReferencesBits(int n) {
        SplittableRandom random = new SplittableRandom(1000 + n);
        for (int models : new int[] {0, 1, 2, 3, 7}) {
            float[][] inputs = new float[models][];
            float[] weights = new float[models];
            for (int m = 0; m < models; m++) {
                inputs[m] = randomFloats(random, n);
                weights[m] = (float) (random.nextDouble() * 2 - 1);
            }
            float[] stale = new float[n];
            Arrays.fill(stale, 123f); // stale contents must be overwritten, not accumulated into
            float[][] out = onReferenceAndBackend(stale, (ops, o) -> ops.weightedSum(inputs, weights, o));
            assertBitsEqual(out[0], out[1], "weightedSum n=" + n + " models=" + models);
        }
    }

    @Test
    void weightedSumAgreesOnSpecialValues() {
        int n = 4099;
        SplittableRandom random = new SplittableRandom(7);
        float[][] inputs = {specialMix(random, n), specialMix(random, n), randomFloats(random, n)};
        float[] weights = {0.5f, -0f, Float.MIN_VALUE};
        float[][] out = onReferenceAndBackend(new float[n], (ops, o) -> ops.weightedSum(inputs, weights, o));
        assertBitsEqualNanAgnostic(out[0], out[1], "weightedSum with special values");
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void axpyIsTheReferencesBits(int n) {
        SplittableRandom random = new SplittableRandom(2000 + n);
        for (int round = 0; round < 3; round++) {
            float a = round == 0 ? -0f : (float) (random.nextDouble() * 4 - 2);
            float[] x = randomFloats(random, n);
            float[] y = randomFloats(random, n);
            float[][] out = onReferenceAndBackend(y, (ops, o) -> ops.axpy(a, x, o));
            assertBitsEqual(out[0], out[1], "axpy n=" + n + " a=" + a);
        }
    }

    @Test
    void axpyAgreesOnSpecialValues() {
        int n = 1000;
        SplittableRandom random = new SplittableRandom(8);
        for (float a : new float[] {0f, -0f, 1f, Float.MAX_VALUE, Float.MIN_VALUE, Float.POSITIVE_INFINITY}) {
            float[] x = specialMix(random, n);
            float[] y = specialMix(random, n);
            float[][] out = onReferenceAndBackend(y, (ops, o) -> ops.axpy(a, x, o));
            assertBitsEqualNanAgnostic(out[0], out[1], "axpy a=" + a);
        }
    }

    @ParameterizedTest
    @MethodSource("taskSizes")
    void linearCombinationIsTheReferencesBitsRoundedOnce(int n) {
        float[][] t = tensors(n, 1, n);
        float[][] out = onReferenceAndBackend(new float[n], (ops, o) -> ops.linearCombination(t[0], 0.3, t[1], 0.7, o));
        float[] actual = out[1];
        assertBitsEqual(out[0], actual, "linearCombination n=" + n);
        for (int i = 0; i < n; i++) {
            assertEquals((float) (0.3 * t[0][i] + 0.7 * t[1][i]), actual[i], "element " + i);
        }
    }

    // ---- vector operations: reductions within tolerance of an independent sum ---------------------------------

    @ParameterizedTest
    @MethodSource("sizes")
    void dotMatchesACompensatedSum(int n) {
        SplittableRandom random = new SplittableRandom(6000 + n);
        float[] a = randomFloats(random, n);
        float[] b = randomFloats(random, n);
        double[] products = new double[n];
        double scale = 0;
        for (int i = 0; i < n; i++) {
            products[i] = (double) a[i] * b[i]; // exact: 24 + 24 significand bits fit in a double
            scale += Math.abs(products[i]);
        }
        assertEquals(compensatedSum(products), vectors().dot(a, b), reductionTolerance() * scale, "dot n=" + n);
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
        assertEquals(expected, vectors().dot(a, b), reductionTolerance() * Math.abs(expected), "dot n=" + n);
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void sumOfSquaresMatchesACompensatedSum(int n) {
        float[] a = randomFloats(new SplittableRandom(7000 + n), n);
        double[] squares = new double[n];
        for (int i = 0; i < n; i++) {
            squares[i] = (double) a[i] * a[i];
        }
        double expected = compensatedSum(squares);
        double actual = vectors().sumOfSquares(a);
        assertEquals(expected, actual, reductionTolerance() * expected, "sumOfSquares n=" + n);
        if (n == 0) {
            assertEquals(0.0, actual);
        }
    }

    @Test
    void reductionsPropagateNonFiniteValues() {
        float[] ones = new float[40];
        Arrays.fill(ones, 1f);
        float[] withNaN = ones.clone();
        withNaN[21] = Float.NaN;
        float[] withInf = ones.clone();
        withInf[38] = Float.POSITIVE_INFINITY;
        assertTrue(Double.isNaN(vectors().dot(ones, withNaN)));
        assertEquals(Double.POSITIVE_INFINITY, vectors().dot(ones, withInf));
        assertEquals(Double.POSITIVE_INFINITY, vectors().sumOfSquares(withInf));
        // Each float squared fits in a double, so squares of MAX_VALUE must not overflow as they would in float.
        float[] big = new float[33];
        Arrays.fill(big, Float.MAX_VALUE);
        double max = Float.MAX_VALUE;
        assertEquals(33 * max * max, vectors().sumOfSquares(big), reductionTolerance() * 33 * max * max);
    }

    @Test
    void mismatchedLengthsAreRejected() {
        float[] eight = new float[8];
        float[] nine = new float[9];
        assertThrows(IllegalArgumentException.class,
                () -> vectors().weightedSum(new float[][] {eight, eight}, new float[] {1f}, new float[8]));
        assertThrows(IllegalArgumentException.class,
                () -> vectors().weightedSum(new float[][] {eight, nine}, new float[] {1f, 1f}, new float[8]));
        assertThrows(IllegalArgumentException.class,
                () -> vectors().weightedSum(new float[][] {eight}, new float[] {1f}, new float[9]));
        assertThrows(IllegalArgumentException.class, () -> vectors().axpy(1f, eight, nine));
        assertThrows(IllegalArgumentException.class, () -> vectors().dot(eight, nine));
        assertThrows(IllegalArgumentException.class, () -> vectors().linearCombination(eight, 1, nine, 1, eight));
    }

    // ---- task-vector operations: task vectors and masks --------------------------------------------------------

    @ParameterizedTest
    @MethodSource("taskSizes")
    void taskVectorIsTheReferencesBits(int n) {
        float[][] t = tensors(n, 1, n);
        float[] expected = new float[n];
        float[] actual = new float[n];
        REFERENCE.taskVector(t[1], t[0], expected);
        taskVectors().taskVector(t[1], t[0], actual);
        assertBitsEqual(expected, actual, "taskVector n=" + n);
    }

    @ParameterizedTest
    @MethodSource("taskSizes")
    void magnitudeMasksAreTheReferencesBits(int n) {
        float[][] t = tensors(n, 1, 3 * n + 1);
        MagnitudeRank[][] ranges = {
            {MagnitudeRank.NONE, new MagnitudeRank(0.25f, n / 2)},
            {MagnitudeRank.NONE, MagnitudeRank.ALL},
            {new MagnitudeRank(0.3f, 0), new MagnitudeRank(0.05f, Integer.MAX_VALUE)},
            {new MagnitudeRank(0.25f, n / 3), new MagnitudeRank(0f, 0)},
        };
        for (MagnitudeRank[] range : ranges) {
            long[] expected = mask(n);
            long[] actual = mask(n);
            Arrays.fill(actual, -1L); // every covered word must be overwritten
            MaskNorms e = REFERENCE.magnitudeMask(t[1], t[0], range[0], range[1], expected);
            MaskNorms a = taskVectors().magnitudeMask(t[1], t[0], range[0], range[1], actual);
            assertArrayEquals(expected, actual, Arrays.toString(range));
            assertNormsClose(e, a, Arrays.toString(range));
        }
    }

    @Test
    void magnitudeMaskBreaksTiesByIndex() {
        // |δ| = [1, 2, 2, 0, 2]: the top 2 are index 1 and then the lower-indexed tie, index 2.
        float[] base = {0, 0, 0, 0, 0};
        float[] x = {1, -2, 2, -0f, 2};
        long[] mask = mask(5);
        MaskNorms norms = taskVectors().magnitudeMask(x, base, MagnitudeRank.NONE, new MagnitudeRank(2f, 3), mask);
        assertEquals(0b00110L, mask[0]);
        assertEquals(7.0, norms.total());
        assertEquals(4.0, norms.kept());
    }

    @ParameterizedTest
    @MethodSource("taskSizes")
    void randomMasksAreTheReferencesBitsAndFollowTheCounterBasedDraw(int n) {
        float[][] t = tensors(n, 1, 5 * n + 2);
        for (double density : new double[] {0, 0.1, 0.5, 0.9, 1}) {
            for (int stream = 0; stream < 3; stream++) {
                long[] expected = mask(n);
                long[] actual = mask(n);
                Arrays.fill(actual, -1L);
                MaskNorms e = REFERENCE.randomMask(42, stream, t[1], t[0], density, expected);
                MaskNorms a = taskVectors().randomMask(42, stream, t[1], t[0], density, actual);
                String what = "density " + density + ", stream " + stream;
                assertArrayEquals(expected, actual, what);
                assertNormsClose(e, a, what);
                for (int i = 0; i < n; i++) {
                    boolean kept = (actual[i >>> 6] & (1L << i)) != 0;
                    assertEquals(ElementMath.streamUniform(42, stream, i) < density, kept);
                    // the same draw as the run's random source forked for the model
                    assertEquals(new SeededRandomSource(42).fork(stream).uniform(i) < density, kept);
                }
            }
        }
    }

    @Test
    void randomMasksOfBlocksAreSlicesOfTheWholeMask() {
        int n = 10_007;
        SplittableRandom random = new SplittableRandom(3);
        float[] base = new float[n];
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            base[i] = (float) random.nextGaussian();
            x[i] = base[i] + (float) random.nextGaussian() * 0.1f;
        }
        TaskVectorOperations operations = taskVectors();
        long[] whole = mask(n);
        MaskNorms wholeNorms = operations.randomMask(42, 1, x, base, 0.3, whole);
        // A prefix of the tensor gets the prefix of the mask: element i's draw depends on i only.
        for (int length : new int[] {1, 64, 65, 1000}) {
            long[] part = mask(length);
            operations.randomMask(42, 1, Arrays.copyOf(x, length), Arrays.copyOf(base, length), 0.3, part);
            for (int i = 0; i < length; i++) {
                assertEquals((whole[i >>> 6] >>> i) & 1, (part[i >>> 6] >>> i) & 1, "prefix element " + i);
            }
        }
        for (int blockElements : new int[] {64, 640, 4096}) {
            long[] joined = new long[whole.length];
            double total = 0;
            double kept = 0;
            for (int from = 0; from < n; from += blockElements) {
                int to = Math.min(n, from + blockElements);
                long[] blockMask = mask(blockElements);
                MaskNorms norms = operations.randomMask(42, 1, from, Arrays.copyOfRange(x, from, to),
                        Arrays.copyOfRange(base, from, to), 0.3, blockMask);
                total += norms.total();
                kept += norms.kept();
                System.arraycopy(blockMask, 0, joined, from >>> 6, (to - from + 63) >>> 6);
            }
            assertArrayEquals(whole, joined, "blocks of " + blockElements);
            assertEquals(wholeNorms.total(), total, 1e-9 * wholeNorms.total());
            assertEquals(wholeNorms.kept(), kept, 1e-9 * wholeNorms.kept());
        }
    }

    // ---- task-vector operations: the combine -------------------------------------------------------------------

    @Test
    void combineMatchesHandWorkedTies() {
        // base 0; δA = [1, -2, 3], δB = [-2, 1, 1], weights 1 and 1, nothing masked.
        // sum election: S = [-1, -1, 4] → -, -, +; agreeing: [B, A, A+B]; mixed = [-2, -2, 4]
        TaskVectorOperations operations = taskVectors();
        float[] base = {0, 0, 0};
        float[][] models = {{1, -2, 3}, {-2, 1, 1}};
        float[] out = new float[3];
        double[] ones = {1, 1};
        operations.combineTaskVectors(base, models, new long[2][], new TaskVectorCombine(ones, ones,
                SignElection.SUM, false, 1.0), out);
        assertArrayEquals(new float[] {-2, -2, 4}, out);
        // normalize: divisor = agreeing shares = [1, 1, 2]
        operations.combineTaskVectors(base, models, new long[2][], new TaskVectorCombine(ones, ones,
                SignElection.SUM, true, 1.0), out);
        assertArrayEquals(new float[] {-2, -2, 2}, out);
        // count election with A's weight 3: votes tie at 0 → +; element 0 keeps A (3), element 1 keeps B (1)
        double[] weights = {3, 1};
        operations.combineTaskVectors(base, models, new long[2][], new TaskVectorCombine(weights, weights,
                SignElection.COUNT, false, 1.0), out);
        assertArrayEquals(new float[] {3, 1, 10}, out);
        // no election, λ = 0.5, B masked out at element 2: [(-1)/2, (-1)/2, 3/2]
        long[][] masks = {null, {0b011L}};
        operations.combineTaskVectors(base, models, masks, new TaskVectorCombine(ones, ones, SignElection.NONE,
                false, 0.5), out);
        assertArrayEquals(new float[] {-0.5f, -0.5f, 1.5f}, out);
    }

    @ParameterizedTest
    @MethodSource("taskSizes")
    void combinesAreTheReferencesBits(int n) {
        float[][] t = tensors(n, 3, 7 * n + 3);
        float[][] models = {t[1], t[2], t[3]};
        long[][] masks = new long[3][];
        masks[0] = mask(n);
        REFERENCE.randomMask(1, 0, t[1], t[0], 0.5, masks[0]);
        masks[2] = mask(n);
        REFERENCE.magnitudeMask(t[3], t[0], MagnitudeRank.NONE, new MagnitudeRank(0.1f, 0), masks[2]);
        double[][] factorChoices = {{0.5, 1.5, -0.7}, {1, 1, 1}, {1e-9, -1e-9, 0}};
        for (SignElection election : SignElection.values()) {
            for (boolean normalize : new boolean[] {false, true}) {
                for (double[] factors : factorChoices) {
                    TaskVectorCombine combine = new TaskVectorCombine(factors, factors.clone(), election, normalize,
                            0.8);
                    float[] expected = new float[n];
                    float[] actual = new float[n];
                    REFERENCE.combineTaskVectors(t[0], models, masks, combine, expected);
                    taskVectors().combineTaskVectors(t[0], models, masks, combine, actual);
                    assertBitsEqual(expected, actual, election + " normalize " + normalize + " "
                            + Arrays.toString(factors));
                }
            }
        }
    }

    // ---- task-vector operations: the magnitude order -----------------------------------------------------------

    @Test
    void smallTensorsWithManyTiesRankAsAFullSort() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(300);
            int distinct = 1 + random.nextInt(trial % 2 == 0 ? 4 : 1000);
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                // few distinct magnitudes with both signs: many ties, including runs of zeros
                x[i] = (random.nextBoolean() ? 1 : -1) * random.nextInt(distinct) * 0.25f;
            }
            float[] base = new float[n];
            int[] order = magnitudeOrder(x, base);
            for (int p : new int[] {0, 1, n / 3, n / 2, n - 1, n, random.nextInt(n + 1)}) {
                assertRanksAsTheSort(x, base, order, p, "trial " + trial);
            }
        }
    }

    /** Tensors large enough for sampled selections, in the shapes merges meet and some they should not. */
    @Test
    void largeTensorsRankAsAFullSort() {
        SplittableRandom random = new SplittableRandom(5);
        int n = LARGE;
        String[] kinds = {"bf16 fine-tune", "bf16 tiny deltas", "half unchanged", "one magnitude", "sorted",
                "reversed", "two magnitudes", "float32 distinct", "infinity"};
        for (String kind : kinds) {
            float[] base = new float[n];
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                base[i] = bf16(random.nextGaussian() * 0.02);
                x[i] = switch (kind) {
                    case "bf16 fine-tune" -> bf16(base[i] + random.nextGaussian() * 0.002);
                    case "bf16 tiny deltas" -> bf16(base[i] + random.nextGaussian() * 1e-5);
                    case "half unchanged" -> i % 2 == 0 ? base[i] : bf16(base[i] + random.nextGaussian() * 0.002);
                    case "one magnitude" -> base[i] + (random.nextBoolean() ? 0.5f : -0.5f);
                    case "sorted" -> base[i] + i * 1e-3f;
                    case "reversed" -> base[i] - (n - i) * 1e-3f;
                    case "two magnitudes" -> base[i] + (i % 3 == 0 ? 2f : 1f);
                    case "float32 distinct" -> base[i] + (float) random.nextGaussian();
                    default -> i == 77 ? Float.POSITIVE_INFINITY : base[i] + (float) random.nextGaussian();
                };
            }
            int[] order = magnitudeOrder(x, base);
            for (int p : new int[] {1, n / 100, n / 3, n / 2, n - n / 100, n - 1, random.nextInt(n)}) {
                assertRanksAsTheSort(x, base, order, p, kind);
            }
        }
    }

    @Test
    void ranksAreTheReferences() {
        SplittableRandom random = new SplittableRandom(3);
        int n = 2 * LARGE + 7;
        float[] base = new float[n];
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            base[i] = bf16(random.nextGaussian() * 0.02);
            x[i] = bf16(base[i] + random.nextGaussian() * 0.002);
        }
        for (int trial = 0; trial < 20; trial++) {
            int p = random.nextInt(n + 1);
            assertEquals(REFERENCE.magnitudeRank(x, base, p), taskVectors().magnitudeRank(x, base, p),
                    "position " + p);
        }
    }

    @Test
    void extremesNeedNoSelection() {
        float[] x = {1, -2, 0};
        float[] base = new float[3];
        assertSame(MagnitudeRank.NONE, taskVectors().magnitudeRank(x, base, 0));
        assertSame(MagnitudeRank.ALL, taskVectors().magnitudeRank(x, base, 3));
        assertSame(MagnitudeRank.ALL, taskVectors().magnitudeRank(x, base, 4));
    }

    /** NaN has no place in the order (the merge then fails on its NaN output); the backend does as the reference. */
    @Test
    void nanTakesTheReferencesPath() {
        int n = LARGE;
        float[] x = new float[n];
        float[] base = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i % 1000;
        }
        x[5] = Float.NaN;
        for (int p : new int[] {1, n / 2, n - 1}) {
            assertEquals(outcome(() -> REFERENCE.magnitudeRank(x, base, p)),
                    outcome(() -> taskVectors().magnitudeRank(x, base, p)), "position " + p);
        }
    }

    /** The fused trim keeps the same elements as mask(rank), exactly {@code keep} of them. */
    @Test
    void topMagnitudeMasksAreTheMaskOfTheRank() {
        SplittableRandom random = new SplittableRandom(9);
        String[] kinds = {"bf16 fine-tune", "half unchanged", "one magnitude", "float32 distinct", "nan"};
        TaskVectorOperations operations = taskVectors();
        for (String kind : kinds) {
            int n = LARGE + random.nextInt(64);
            float[] base = new float[n];
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                base[i] = bf16(random.nextGaussian() * 0.02);
                x[i] = switch (kind) {
                    case "bf16 fine-tune" -> bf16(base[i] + random.nextGaussian() * 0.002);
                    case "half unchanged" -> i % 2 == 0 ? base[i] : bf16(base[i] + random.nextGaussian() * 0.002);
                    case "one magnitude" -> base[i] + (random.nextBoolean() ? 0.5f : -0.5f);
                    case "float32 distinct" -> base[i] + (float) random.nextGaussian();
                    default -> i == 1234 ? Float.NaN : base[i] + (float) random.nextGaussian();
                };
            }
            int words = (n + 63) >>> 6;
            for (int keep : new int[] {0, 1, n / 100, n / 2, n - 1, n, random.nextInt(n)}) {
                long[] expected = new long[words];
                MaskNorms expectedNorms;
                try {
                    expectedNorms = REFERENCE.magnitudeMask(x, base, MagnitudeRank.NONE,
                            REFERENCE.magnitudeRank(x, base, keep), expected);
                } catch (IllegalStateException e) { // NaN: no order to cut; the backend refuses alike
                    assertThrows(IllegalStateException.class,
                            () -> operations.topMagnitudeMask(x, base, keep, new long[words]), kind);
                    continue;
                }
                long[] mask = new long[words];
                Arrays.fill(mask, -1L); // every word must be overwritten
                MaskNorms norms = operations.topMagnitudeMask(x, base, keep, mask);
                String what = kind + ", keep " + keep;
                assertArrayEquals(expected, mask, what);
                if (kind.equals("nan")) {
                    assertEquals(expectedNorms.total(), norms.total(), what); // NaN on both
                    continue;
                }
                long bits = 0;
                for (long word : mask) {
                    bits += Long.bitCount(word);
                }
                assertEquals(keep, bits, what);
                assertNormsClose(expectedNorms, norms, what);
            }
        }
    }

    /**
     * Every model's rank from {@code magnitudeRanks} over blocks of any size equals {@code magnitudeRank} of the whole
     * arrays, whichever path a selection takes (a bracket's ends, its inside, the scalar fallback for NaN).
     */
    @Test
    void ranksOverBlocksAreTheWholeTensorsRanks() {
        TaskVectorOperations operations = taskVectors();
        for (int n : new int[] {777, 70_001, LARGE}) {
            SplittableRandom random = new SplittableRandom(n);
            float[] base = new float[n];
            for (int i = 0; i < n; i++) {
                base[i] = bf16(random.nextGaussian() * 0.02);
            }
            String[] kinds = {"bf16 fine-tune", "half unchanged", "two magnitudes", "one magnitude", "bf16 fine-tune"};
            float[][] models = new float[kinds.length][];
            for (int m = 0; m < kinds.length; m++) {
                models[m] = model(kinds[m], base, random);
            }
            int[][] positionSets = {{n / 2, n / 3, n / 5, 1, n - 1}, {0, n, n / 2, 7 * n / 8, n / 10}};
            for (int[] positions : positionSets) {
                MagnitudeRank[] whole = new MagnitudeRank[kinds.length];
                for (int m = 0; m < kinds.length; m++) {
                    whole[m] = operations.magnitudeRank(models[m], base, positions[m]);
                }
                for (int blockElements : new int[] {64, 4096, 65_536}) {
                    MagnitudeRank[] streamed = operations.magnitudeRanks(
                            new ArrayBlocks(models, base, null, blockElements), positions);
                    for (int m = 0; m < kinds.length; m++) {
                        assertEquals(whole[m], streamed[m], "n " + n + ", " + kinds[m] + ", position "
                                + positions[m] + ", blocks of " + blockElements);
                    }
                }
            }
            // NaN: whatever the whole selection does (a rank, or refusing), the streamed one does the same.
            float[] nan = model("nan", base, random);
            for (int position : new int[] {1, n / 2, n - 1}) {
                Object whole = outcome(() -> operations.magnitudeRank(nan, base, position));
                for (int blockElements : new int[] {64, 65_536}) {
                    assertEquals(whole, outcome(() -> operations.magnitudeRanks(
                            new ArrayBlocks(new float[][] {nan}, base, null, blockElements),
                            new int[] {position})[0]), "NaN, n " + n);
                }
            }
        }
    }

    // ---- inference operations ----------------------------------------------------------------------------------

    /** The inference kernels against double-precision sums over weights decoded by the reference codecs. */
    @Test
    void inferenceKernelsAgreeWithDoublePrecisionSums() {
        var found = backend().inference();
        assumeTrue(found.isPresent(), () -> backend().id() + " has no inference operations");
        InferenceOperations inference = found.orElseThrow();
        SplittableRandom random = new SplittableRandom(27);
        int rows = 96;
        int cols = 128;
        float[] w = gaussian(random, rows * cols);
        for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0}) {
            if (!inference.supports(dtype)) {
                continue;
            }
            MemorySegment stored = Arena.ofAuto().allocate(dtype.byteSize((long) rows * cols), 64);
            float[] decoded = new float[rows * cols];
            if (dtype == DType.Q8_0) {
                quantizeQ8_0(w, stored);
            } else {
                REFERENCE.fromFloat(w, dtype, stored, w.length);
            }
            REFERENCE.toFloat(stored, dtype, decoded, decoded.length);
            try (WeightHandle handle = inference.upload(stored, dtype, rows, cols)) {
                assertEquals(rows, handle.rows());
                assertEquals(cols, handle.cols());
                for (int tokens : new int[] {1, 3}) {
                    float[] x = gaussian(random, tokens * cols);
                    float[] out = new float[tokens * rows];
                    inference.multiply(handle, x, tokens, out);
                    for (int t = 0; t < tokens; t++) {
                        for (int r = 0; r < rows; r++) {
                            double sum = 0;
                            double scale = 0;
                            for (int c = 0; c < cols; c++) {
                                double product = (double) decoded[r * cols + c] * x[t * cols + c];
                                sum += product;
                                scale += Math.abs(product);
                            }
                            assertEquals(sum, out[t * rows + r], inferenceTolerance() * scale,
                                    dtype + " × " + tokens + " tokens, row " + r);
                        }
                    }
                }
            }
        }

        int hidden = 64;
        int tokens = 3;
        float[] x = gaussian(random, tokens * hidden);
        float[] weight = gaussian(random, hidden);
        float[] normed = new float[x.length];
        inference.rmsNorm(x, weight, 1e-5, tokens, normed);
        for (int t = 0; t < tokens; t++) {
            double squares = 0;
            for (int i = 0; i < hidden; i++) {
                squares += (double) x[t * hidden + i] * x[t * hidden + i];
            }
            double inverse = 1 / Math.sqrt(squares / hidden + 1e-5);
            for (int i = 0; i < hidden; i++) {
                double expected = x[t * hidden + i] * inverse * weight[i];
                assertEquals(expected, normed[t * hidden + i], inferenceTolerance() * (1 + Math.abs(expected)),
                        "rmsNorm " + t + "," + i);
            }
        }

        int heads = 4;
        int headDim = 16;
        float[] rotated = gaussian(random, 2 * heads * headDim);
        float[] original = rotated.clone();
        float[] cos = new float[headDim / 2];
        float[] sin = new float[headDim / 2];
        for (int i = 0; i < cos.length; i++) {
            double angle = 3 * Math.pow(10000, -2.0 * i / headDim);
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
        inference.rope(rotated, heads * headDim, heads, headDim, cos, sin);
        for (int i = 0; i < heads * headDim; i++) {
            assertEquals(original[i], rotated[i], 0f, "rope touched the first token's element " + i);
        }
        for (int h = 0; h < heads; h++) {
            int at = heads * headDim + h * headDim;
            for (int i = 0; i < headDim / 2; i++) {
                double a = original[at + i];
                double b = original[at + i + headDim / 2];
                assertEquals(a * cos[i] - b * sin[i], rotated[at + i], inferenceTolerance() * (1 + Math.abs(a) + Math.abs(b)));
                assertEquals(b * cos[i] + a * sin[i], rotated[at + i + headDim / 2],
                        inferenceTolerance() * (1 + Math.abs(a) + Math.abs(b)));
            }
        }

        AttentionShape shape = new AttentionShape(4, 2, 8, 0);
        int positions = 5;
        int kvWidth = shape.kvHeads() * shape.headDim();
        int qWidth = shape.heads() * shape.headDim();
        float[] keys = gaussian(random, positions * kvWidth);
        float[] values = gaussian(random, positions * kvWidth);
        int start = 3;
        int queries = 2;
        float[] q = gaussian(random, queries * qWidth);
        float[] attended = new float[queries * qWidth];
        inference.attention(shape, keys, values, q, start, queries, attended);
        int group = shape.heads() / shape.kvHeads();
        for (int t = 0; t < queries; t++) {
            int position = start + t;
            for (int h = 0; h < shape.heads(); h++) {
                int kv = h / group;
                double[] scores = new double[position + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int p = 0; p <= position; p++) {
                    double dot = 0;
                    for (int d = 0; d < shape.headDim(); d++) {
                        dot += (double) q[t * qWidth + h * shape.headDim() + d] * keys[p * kvWidth + kv * shape.headDim() + d];
                    }
                    scores[p] = dot / Math.sqrt(shape.headDim());
                    max = Math.max(max, scores[p]);
                }
                double total = 0;
                for (int p = 0; p <= position; p++) {
                    scores[p] = Math.exp(scores[p] - max);
                    total += scores[p];
                }
                for (int d = 0; d < shape.headDim(); d++) {
                    double expected = 0;
                    for (int p = 0; p <= position; p++) {
                        expected += scores[p] / total * values[p * kvWidth + kv * shape.headDim() + d];
                    }
                    assertEquals(expected, attended[t * qWidth + h * shape.headDim() + d],
                            inferenceTolerance() * (1 + Math.abs(expected)), "attention " + t + "," + h + "," + d);
                }
            }
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** Base and models with exact zeros of both signs, unchanged elements (δ = 0) and repeated magnitudes. */
    private static float[][] tensors(int n, int models, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] out = new float[models + 1][n];
        for (int i = 0; i < n; i++) {
            out[0][i] = switch (i % 11) {
                case 0 -> 0f;
                case 1 -> -0f;
                default -> (float) random.nextGaussian();
            };
            for (int m = 1; m <= models; m++) {
                out[m][i] = switch ((i + m) % 9) {
                    case 0 -> out[0][i];                       // unchanged: δ = 0
                    case 1 -> out[0][i] + 0.25f;               // tied magnitudes
                    case 2 -> out[0][i] - 0.25f;
                    case 3 -> -0f;
                    default -> out[0][i] + (float) (random.nextGaussian() * 0.1);
                };
            }
        }
        return out;
    }

    /** Inputs whose cuts fall at a bracket's ends (few magnitudes), inside it (bf16 fine-tunes), or nowhere (NaN). */
    private static float[] model(String kind, float[] base, SplittableRandom random) {
        float[] x = new float[base.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (kind) {
                case "bf16 fine-tune" -> bf16(base[i] + random.nextGaussian() * 0.002);
                case "half unchanged" -> i % 2 == 0 ? base[i] : bf16(base[i] + random.nextGaussian() * 0.002);
                case "two magnitudes" -> base[i] + (random.nextInt(3) == 0 ? 0.25f : 0.5f);
                case "one magnitude" -> base[i] - 0.5f;
                case "nan" -> i == x.length / 3 ? Float.NaN : bf16(base[i] + random.nextGaussian() * 0.002);
                default -> throw new IllegalArgumentException(kind);
            };
        }
        return x;
    }

    /** Indices in magnitude order, by a full sort of boxed indices. */
    private static int[] magnitudeOrder(float[] x, float[] base) {
        return IntStream.range(0, x.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -Math.abs(x[i] - base[i])).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
    }

    /** Every element ranks before the backend's rank at p iff the full sort puts it among the first p. */
    private void assertRanksAsTheSort(float[] x, float[] base, int[] order, int position, String what) {
        MagnitudeRank rank = taskVectors().magnitudeRank(x, base, position);
        boolean[] before = new boolean[x.length];
        for (int q = 0; q < Math.min(position, x.length); q++) {
            before[order[q]] = true;
        }
        for (int i = 0; i < x.length; i++) {
            boolean actual = ElementMath.ranksBefore(Math.abs(x[i] - base[i]), i, rank.threshold(), rank.tieIndex());
            if (actual != before[i]) {
                fail(what + ", position " + position + ": element " + i + " (|δ| " + Math.abs(x[i] - base[i]) + ") "
                        + (actual ? "ranks" : "does not rank") + " before " + rank);
            }
        }
    }

    private static Object outcome(Supplier<MagnitudeRank> selection) {
        try {
            return selection.get();
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    private void assertNormsClose(MaskNorms expected, MaskNorms actual, String what) {
        assertEquals(expected.total(), actual.total(), reductionTolerance() * Math.max(1, expected.total()),
                what + ": total");
        assertEquals(expected.kept(), actual.kept(), reductionTolerance() * Math.max(1, expected.kept()),
                what + ": kept");
    }

    private static long[] mask(int n) {
        return new long[(n + 63) >>> 6];
    }

    private static float bf16(double v) {
        return FloatCodecs.bf16ToFloat(FloatCodecs.floatToBf16((float) v));
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    /** Q8_0 blocks of {@code values}: per 32 elements an f16 scale max|v|/127 and rounded int8 quotients. */
    private static void quantizeQ8_0(float[] values, MemorySegment into) {
        for (int b = 0; b < values.length / 32; b++) {
            float max = 0;
            for (int j = 0; j < 32; j++) {
                max = Math.max(max, Math.abs(values[b * 32 + j]));
            }
            float d = max / 127;
            long at = b * 34L;
            into.set(I16, at, Float.floatToFloat16(d));
            for (int j = 0; j < 32; j++) {
                into.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) (d == 0 ? 0 : Math.round(values[b * 32 + j] / d)));
            }
        }
    }

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

    /** Neumaier's compensated summation: nearly exact, and in another order than any backend. */
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

    private void assertBitsEqual(float[] expected, float[] actual, String context) {
        assertEquals(expected.length, actual.length, context + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(context + ": element " + i + " reference " + expected[i] + " ("
                        + hex(Float.floatToRawIntBits(expected[i])) + "), " + backend().id() + " " + actual[i] + " ("
                        + hex(Float.floatToRawIntBits(actual[i])) + ")");
            }
        }
    }

    /**
     * Identical bits, except that two NaNs count as equal: NaNs made by arithmetic (∞−∞, 0·∞) or propagated
     * through it have payloads Java leaves to the hardware, and the scalar and SIMD instructions may differ.
     */
    /** {@code count} elements of {@code type} made of random bytes: bit patterns no encoder would write included. */
    private static MemorySegment randomElements(Arena arena, DType type, int count, SplittableRandom random) {
        MemorySegment src = arena.allocate(type.byteSize(count));
        for (long b = 0; b < src.byteSize(); b++) {
            src.set(ValueLayout.JAVA_BYTE, b, (byte) random.nextInt());
        }
        return src;
    }

    /** The same elements decoded by the reference backend and by the backend under test. */
    private record Decoded(float[] reference, float[] backend) {
    }

    private Decoded decodeBoth(MemorySegment src, DType type, int count) {
        float[] reference = new float[count];
        float[] backend = new float[count];
        REFERENCE.toFloat(src, type, reference, count);
        codecs().toFloat(src, type, backend, count);
        return new Decoded(reference, backend);
    }

    private void assertBitsEqualNanAgnostic(float[] expected, float[] actual, String context) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(expected[i]) && Float.isNaN(actual[i])) {
                continue;
            }
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(context + ": element " + i + " reference " + expected[i] + " ("
                        + hex(Float.floatToRawIntBits(expected[i])) + "), " + backend().id() + " " + actual[i] + " ("
                        + hex(Float.floatToRawIntBits(actual[i])) + ")");
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
