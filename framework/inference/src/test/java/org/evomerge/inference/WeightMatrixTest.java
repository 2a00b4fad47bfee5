package org.evomerge.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.evomerge.api.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Matrix-vector and matrix-matrix products of every stored dtype, at sizes that exercise the vector tails, the 4×4
 * blocks' edges, several row tiles over two threads and more tokens than one token block, against a double-precision
 * product of the decoded weights.
 */
class WeightMatrixTest {

    private static final WorkerPool POOL = new WorkerPool(2);

    @ParameterizedTest(name = "{0} {1}x{2}, {3} tokens")
    @CsvSource({
        "F32, 37, 45, 1", "F32, 37, 45, 3", "F32, 301, 136, 70", "F32, 8, 16, 4",
        "BF16, 37, 45, 1", "BF16, 301, 136, 70", "BF16, 5, 17, 6",
        "F16, 37, 45, 1", "F16, 301, 136, 9",
        "Q8_0, 37, 64, 1", "Q8_0, 301, 160, 70", "Q8_0, 3, 32, 5"})
    void productMatchesTheDoubleReference(DType dtype, int rows, int cols, int tokens) {
        TinyModel holder = TinyModelMatrices.holder();
        String name = "m";
        TinyModelMatrices.put(holder, name, dtype, rows, cols, 99);
        MemorySegment data = holder.model().tensors().tensor(name).data();
        double[] w = holder.weight(name);
        WeightMatrix matrix = WeightMatrix.of(data, dtype, rows, cols);
        Random random = new Random(5);
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] out = new float[tokens * rows];
        matrix.multiply(x, tokens, out, POOL);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            matrix.decodeRow(r, row, 0);
            for (int k = 0; k < cols; k++) {
                assertEquals(w[r * cols + k], row[k], 0, "decoded row " + r);
            }
        }
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                double expected = 0;
                double magnitude = 0;
                for (int k = 0; k < cols; k++) {
                    expected += w[r * cols + k] * x[t * cols + k];
                    magnitude += Math.abs(w[r * cols + k] * x[t * cols + k]);
                }
                assertEquals(expected, out[t * rows + r], 1e-6 * magnitude + 1e-30, "token " + t + " row " + r);
            }
        }
    }

    /**
     * Many tokens in the one-token order (batched decoding) give each token the bits of a one-token product, whatever
     * the dtype, the vector tail and the number of panels.
     */
    @ParameterizedTest(name = "{0} {1}x{2}, {3} tokens")
    @CsvSource({
        "F32, 37, 45, 4", "F32, 64, 64, 40", "F32, 301, 136, 70", "F32, 7, 17, 33",
        "BF16, 37, 45, 5", "BF16, 176, 64, 17", "F16, 64, 176, 40", "Q8_0, 37, 64, 9", "Q8_0, 301, 160, 70"})
    void manyTokensInTheOneTokenOrderHaveTheBitsOfOneTokenProducts(DType dtype, int rows, int cols, int tokens) {
        TinyModel holder = TinyModelMatrices.holder();
        TinyModelMatrices.put(holder, "m", dtype, rows, cols, 7);
        WeightMatrix matrix = WeightMatrix.of(holder.model().tensors().tensor("m").data(), dtype, rows, cols);
        Random random = new Random(11);
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] out = new float[tokens * rows];
        matrix.multiply(x, tokens, out, POOL, SummationOrder.DOT);
        float[] panelOrder = new float[tokens * rows];
        matrix.multiply(x, tokens, panelOrder, POOL, SummationOrder.PANEL);
        boolean anyDiffers = false;
        for (int t = 0; t < tokens; t++) {
            float[] one = new float[rows];
            matrix.multiply(java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, one, POOL);
            for (int r = 0; r < rows; r++) {
                assertEquals(Float.floatToRawIntBits(one[r]), Float.floatToRawIntBits(out[t * rows + r]),
                        "token " + t + " row " + r + ": " + one[r] + " vs " + out[t * rows + r]);
                anyDiffers |= panelOrder[t * rows + r] != one[r];
            }
        }
        if (cols > 32) {
            assertTrue(anyDiffers, "the two orders should round differently somewhere");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"F8_E4M3", "I8", "F64"})
    void rejectsUnsupportedDtypes(DType dtype) {
        assertThrows(IllegalArgumentException.class,
                () -> WeightMatrix.of(MemorySegment.ofArray(new byte[dtype.bytesPerBlock() * 256]), dtype, 1, 256));
    }

    /** Random matrices in a stored dtype through {@link TinyModel}'s encoders. */
    static final class TinyModelMatrices {
        static TinyModel holder() {
            return TinyModel.of(new TinyModel.Spec("LlamaForCausalLM", 0, 32, 32, 1, 1, 1, 10000, null, null, false,
                    true, 8), DType.F32, 0);
        }

        static void put(TinyModel holder, String name, DType dtype, int rows, int cols, long seed) {
            holder.addMatrix(name, rows, cols, dtype, new Random(seed), 1.0);
        }
    }
}
