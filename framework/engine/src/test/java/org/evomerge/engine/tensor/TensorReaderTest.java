package org.evomerge.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.compute.VectorBackend;
import org.junit.jupiter.api.Test;

/** The one tensor reader: chunked reads and rounding give the floats one whole decode gives; the merge checks. */
class TensorReaderTest {

    private static final TensorCodecs CODECS = new VectorBackend().codecs();

    /** A BF16 tensor of a little more than two chunks, so the last chunk is a partial one. */
    private static final int COUNT = 2 * TensorReader.CHUNK_ELEMENTS + 1234;

    private static float[] randomValues(int n) {
        SplittableRandom random = new SplittableRandom(17);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    @Test
    void aTensorOfSeveralChunksReadsAsOneWholeDecodeWouldAndARangeReadsItsElements() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stored = arena.allocate(DType.BF16.byteSize(COUNT));
            CODECS.fromFloat(randomValues(COUNT), DType.BF16, stored, COUNT);
            InMemoryTensor tensor = new InMemoryTensor(new TensorInfo("w", DType.BF16, Shape.of(COUNT), ""), stored);
            float[] expected = new float[COUNT];
            CODECS.toFloat(stored, DType.BF16, expected, COUNT);

            float[] whole = new float[COUNT];
            new TensorReader(CODECS).readWhole(tensor, DType.BF16, whole);
            assertArrayEquals(expected, whole);

            float[] range = new float[1000];
            new TensorReader(CODECS).read(tensor, DType.BF16, TensorReader.CHUNK_ELEMENTS - 500, 1000, range);
            assertArrayEquals(Arrays.copyOfRange(expected, TensorReader.CHUNK_ELEMENTS - 500,
                    TensorReader.CHUNK_ELEMENTS + 500), range);
        }
    }

    @Test
    void roundingInChunksEqualsStoringInTheWorkingTypeAndReadingBack() {
        float[] values = randomValues(COUNT);
        float[] expected = new float[COUNT];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stored = arena.allocate(DType.F16.byteSize(COUNT));
            CODECS.fromFloat(values, DType.F16, stored, COUNT);
            CODECS.toFloat(stored, DType.F16, expected, COUNT);
        }
        float[] rounded = values.clone();
        new TensorReader(CODECS).round(rounded, COUNT, DType.F16);
        assertArrayEquals(expected, rounded);

        float[] untouched = values.clone();
        new TensorReader(CODECS).round(untouched, COUNT, DType.F32);
        assertArrayEquals(values, untouched);
    }

    @Test
    void onlyFloatingPointTensorsBelowTwoToTheThirtyFirstElementsMergeWhole() {
        TensorReader.requireWholeMergeable("a", new TensorInfo("w", DType.BF16, Shape.of(8, 8), ""));
        EvomergeException integer = assertThrows(EvomergeException.class, () -> TensorReader.requireWholeMergeable(
                "a", new TensorInfo("ids", DType.I32, Shape.of(8), "")));
        assertEquals("a: tensor 'ids' is I32, which merge methods cannot combine", integer.getMessage());
        EvomergeException large = assertThrows(EvomergeException.class, () -> TensorReader.requireWholeMergeable(
                "a", new TensorInfo("w", DType.F32, Shape.of(1L << 16, 1L << 16), "")));
        assertTrue(large.getMessage().contains("more than evomerge merges in one piece"), large.getMessage());
    }
}
