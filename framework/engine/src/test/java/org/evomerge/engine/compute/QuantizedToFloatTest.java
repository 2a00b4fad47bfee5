package org.evomerge.engine.compute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code toFloat} on block-quantised types: whole blocks decoded in order, the same bits from every CPU backend, and
 * the bounds the contract promises (a segment too small for {@code count} values is an index error).
 */
class QuantizedToFloatTest {

    private static final DType[] BLOCK_TYPES = {DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K};

    static Stream<ComputeBackend> backends() {
        return Stream.of(new ReferenceBackend(), new VectorBackend());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void decodesSeveralQ8_0BlocksInOrder(ComputeBackend backend) {
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
        backend.toFloat(MemorySegment.ofArray(bytes), DType.Q8_0, out, 64);
        for (int j = 0; j < 32; j++) {
            assertEquals(j, out[j], 0f, "block 0 element " + j);
            assertEquals(0.5f, out[32 + j], 0f, "block 1 element " + j);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void decodesAQ4_0Block(ComputeBackend backend) {
        byte[] bytes = new byte[18];
        bytes[1] = 0x40; // d = 2
        bytes[2] = (byte) 0xF0; // element 0: nibble 0 -> -16; element 16: nibble 15 -> 14
        float[] out = new float[32];
        backend.toFloat(MemorySegment.ofArray(bytes), DType.Q4_0, out, 32);
        assertEquals(-16f, out[0], 0f);
        assertEquals(14f, out[16], 0f);
        assertEquals(-16f, out[1], 0f);
    }

    @Test
    void everyBackendGivesTheReferenceBitsForRandomBlocks() {
        SplittableRandom random = new SplittableRandom(3);
        ComputeBackend reference = new ReferenceBackend();
        ComputeBackend vector = new VectorBackend();
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : BLOCK_TYPES) {
                int count = 4 * type.blockSize();
                MemorySegment src = arena.allocate(type.byteSize(count));
                for (long b = 0; b < src.byteSize(); b++) {
                    src.set(ValueLayout.JAVA_BYTE, b, (byte) random.nextInt());
                }
                float[] expected = new float[count];
                float[] actual = new float[count];
                reference.toFloat(src, type, expected, count);
                vector.toFloat(src, type, actual, count);
                for (int i = 0; i < count; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                            type + " element " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void decodesOnlyTheRequestedBlocks(ComputeBackend backend) {
        for (DType type : BLOCK_TYPES) {
            MemorySegment src = MemorySegment.ofArray(new byte[(int) type.byteSize(3L * type.blockSize())]);
            float[] out = new float[3 * type.blockSize()];
            Arrays.fill(out, -7f);
            backend.toFloat(src, type, out, type.blockSize());
            float[] tail = Arrays.copyOfRange(out, type.blockSize(), out.length);
            float[] untouched = new float[tail.length];
            Arrays.fill(untouched, -7f);
            assertArrayEquals(untouched, tail, type + " wrote past count");
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aSegmentTooSmallForCountIsAnIndexError(ComputeBackend backend) {
        for (DType type : BLOCK_TYPES) {
            int count = 2 * type.blockSize();
            MemorySegment src = MemorySegment.ofArray(new byte[(int) type.byteSize(count) - 1]);
            assertThrows(IndexOutOfBoundsException.class, () -> backend.toFloat(src, type, new float[count], count),
                    type.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aCountThatIsNotWholeBlocksIsRejected(ComputeBackend backend) {
        for (DType type : BLOCK_TYPES) {
            MemorySegment src = MemorySegment.ofArray(new byte[(int) type.byteSize(2L * type.blockSize())]);
            int count = type.blockSize() + 1;
            assertThrows(IllegalArgumentException.class, () -> backend.toFloat(src, type, new float[count], count),
                    type.toString());
        }
    }
}
