package org.evomerge.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import org.evomerge.api.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ggml's block types multiplied in their stored bytes: the fused dequantize-and-dot kernels against dequantizing the
 * row to float32 first and taking {@link FixedOrderKernels#dot} (the same bits are required: the decoded values are
 * formed with the decoder's roundings and summed in the same order), and every product path against a float64
 * reference over the decoded values. The blocks are random bytes (any bytes are a valid block) with finite scales of
 * a plausible size, so every nibble, fifth bit, high bit pair and 6-bit scale and minimum is exercised.
 */
class QuantizedWeightMatrixTest {

    private static final WorkerPool POOL = new WorkerPool(2);
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Random blocks of {@code dtype} for a {@code rows × cols} matrix, scales in [2^-10, 2^-6) with random signs. */
    static MemorySegment randomBlocks(DType dtype, int rows, int cols, long seed) {
        Random random = new Random(seed);
        long blocks = (long) rows * cols / dtype.blockSize();
        byte[] bytes = new byte[(int) (blocks * dtype.bytesPerBlock())];
        random.nextBytes(bytes);
        MemorySegment segment = MemorySegment.ofArray(bytes);
        int[] scaleFields = switch (dtype) {
            case Q8_0, Q4_0 -> new int[] {0};
            case Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(dtype.toString());
        };
        for (long b = 0; b < blocks; b++) {
            for (int field : scaleFields) {
                float scale = (float) ((random.nextBoolean() ? 1 : -1) * Math.scalb(1 + random.nextDouble(),
                        -10 + random.nextInt(4)));
                segment.set(HALF, b * dtype.bytesPerBlock() + field, Float.floatToFloat16(scale));
            }
        }
        return segment;
    }

    private static float[] gaussian(int n, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    /** The vectorised row decoding of the matrix-matrix tiles gives the block decoders' values, bit for bit. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void rowDecodingHasTheBitsOfTheBlockDecoders(DType dtype) {
        int rows = 7;
        int cols = 768;
        MemorySegment data = randomBlocks(dtype, rows, cols, 29);
        WeightMatrix matrix = WeightMatrix.of(data, dtype, rows, cols);
        double[] expected = BlockQuantizer.decode(dtype, data, rows * cols);
        float[] row = new float[cols + 3];
        for (int r = 0; r < rows; r++) {
            matrix.decodeRow(r, row, 3);
            for (int k = 0; k < cols; k++) {
                assertEquals(Float.floatToRawIntBits((float) expected[r * cols + k]),
                        Float.floatToRawIntBits(row[3 + k]), dtype + " row " + r + " element " + k);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @CsvSource({
        "Q4_0, 37, 32", "Q4_0, 19, 96", "Q4_0, 64, 4096",
        "Q8_0, 19, 96", "Q8_0, 5, 4096",
        "Q4_K, 37, 256", "Q4_K, 11, 768", "Q4_K, 16, 4096",
        "Q5_K, 37, 256", "Q5_K, 11, 768", "Q5_K, 16, 4096",
        "Q6_K, 37, 256", "Q6_K, 11, 768", "Q6_K, 16, 4096"})
    void fusedDotHasTheBitsOfDequantizeThenDot(DType dtype, int rows, int cols) {
        WeightMatrix matrix = WeightMatrix.of(randomBlocks(dtype, rows, cols, 17), dtype, rows, cols);
        float[] x = gaussian(cols, 3);
        float[] fused = new float[rows];
        matrix.multiply(x, 1, fused, POOL);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            matrix.decodeRow(r, row, 0);
            float decodedThenDot = FixedOrderKernels.dot(row, 0, x, 0, cols);
            assertEquals(Float.floatToRawIntBits(decodedThenDot), Float.floatToRawIntBits(fused[r]),
                    dtype + " row " + r + ": fused " + fused[r] + ", dequantized then dot " + decodedThenDot);
            double exact = 0;
            double magnitude = 0;
            for (int k = 0; k < cols; k++) {
                exact += (double) row[k] * x[k];
                magnitude += Math.abs((double) row[k] * x[k]);
            }
            assertEquals(exact, fused[r], 1e-6 * magnitude, dtype + " row " + r + " against float64");
        }
    }

    /**
     * Prompt-sized products (packed panels over decoded tiles, and the batched one-token order) of every block type
     * against float64, and the one-token order with the bits of the fused one-token product.
     */
    @ParameterizedTest(name = "{0} {1}x{2}, {3} tokens")
    @CsvSource({
        "Q4_0, 101, 160, 40", "Q8_0, 101, 160, 40", "Q4_K, 101, 512, 40", "Q5_K, 37, 256, 9", "Q6_K, 101, 512, 40",
        "Q6_K, 13, 256, 4"})
    void promptProductsMatchTheDoubleReference(DType dtype, int rows, int cols, int tokens) {
        WeightMatrix matrix = WeightMatrix.of(randomBlocks(dtype, rows, cols, 23), dtype, rows, cols);
        float[] x = gaussian(tokens * cols, 5);
        float[] panel = new float[tokens * rows];
        matrix.multiply(x, tokens, panel, POOL, SummationOrder.PANEL);
        float[] dots = new float[tokens * rows];
        matrix.multiply(x, tokens, dots, POOL, SummationOrder.DOT);
        float[] w = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            matrix.decodeRow(r, w, r * cols);
        }
        for (int t = 0; t < tokens; t++) {
            float[] one = new float[rows];
            matrix.multiply(Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, one, POOL);
            for (int r = 0; r < rows; r++) {
                double exact = 0;
                double magnitude = 0;
                for (int k = 0; k < cols; k++) {
                    exact += (double) w[r * cols + k] * x[t * cols + k];
                    magnitude += Math.abs((double) w[r * cols + k] * x[t * cols + k]);
                }
                assertEquals(exact, panel[t * rows + r], 1e-6 * magnitude, "panel token " + t + " row " + r);
                assertEquals(Float.floatToRawIntBits(one[r]), Float.floatToRawIntBits(dots[t * rows + r]),
                        "one-token order, token " + t + " row " + r);
            }
        }
    }
}
