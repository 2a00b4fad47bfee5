package org.evomerge.plugins.gguf;

import static org.evomerge.plugins.gguf.GgufTestFile.str;
import static org.evomerge.plugins.gguf.GgufTestFile.u32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The q/k row order round trip: a Hugging Face tensor is permuted the way llama.cpp's converter does it, written to
 * GGUF, read back, and must equal the original, with fewer key/value heads than query heads.
 */
class LlamaQkRowOrderTest {

    private static final int N_HEAD = 8;
    private static final int N_HEAD_KV = 2;
    private static final int HEAD_DIM = 8;
    private static final int IN = 64;
    private static final int Q_ROWS = N_HEAD * HEAD_DIM;
    private static final int K_ROWS = N_HEAD_KV * HEAD_DIM;

    @TempDir
    Path dir;

    private final ModelFormat format = new GgufFormatFactory().create(null, TestRunContexts.seeded(1));

    /**
     * The converter's {@code w.reshape(n_head, 2, rows // n_head // 2, *rest).swapaxes(1, 2).reshape(w.shape)}, on
     * row indices, the way numpy evaluates it: the result at C-order position (h, b, a) of shape
     * (n_head, rows/n_head/2, 2) is the input at (h, a, b) of shape (n_head, 2, rows/n_head/2).
     *
     * @return for each row of the permuted tensor, the row of the input it holds
     */
    private static int[] converterPermutation(int rows, int nHead) {
        int[] inShape = {nHead, 2, rows / nHead / 2};
        int[] outShape = {inShape[0], inShape[2], inShape[1]};
        int[] source = new int[rows];
        for (int h = 0; h < outShape[0]; h++) {
            for (int b = 0; b < outShape[1]; b++) {
                for (int a = 0; a < outShape[2]; a++) {
                    int outFlat = (h * outShape[1] + b) * outShape[2] + a;
                    int inFlat = (h * inShape[1] + a) * inShape[2] + b;
                    source[outFlat] = inFlat;
                }
            }
        }
        return source;
    }

    private static byte[] permuteRows(byte[] hf, int rows, int nHead) {
        int rowBytes = hf.length / rows;
        int[] source = converterPermutation(rows, nHead);
        byte[] gguf = new byte[hf.length];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(hf, source[r] * rowBytes, gguf, r * rowBytes, rowBytes);
        }
        return gguf;
    }

    /** Row r, column c holds r * 1000 + c, so any misplaced row shows in the values. */
    private static byte[] hfMatrix(int rows, int cols) {
        ByteBuffer buffer = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                buffer.putFloat(r * 1000f + c);
            }
        }
        return buffer.array();
    }

    private static GgufTestFile metadata(String architecture) {
        return new GgufTestFile()
                .meta("general.architecture", str(architecture))
                .meta(architecture + ".embedding_length", u32(IN))
                .meta(architecture + ".attention.head_count", u32(N_HEAD))
                .meta(architecture + ".attention.head_count_kv", u32(N_HEAD_KV));
    }

    private static byte[] read(Model model, String name) {
        return model.tensors().tensor(name).data().toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void theConverterFormulaIsAPermutationThatMovesRows() {
        int[] q = converterPermutation(Q_ROWS, N_HEAD);
        assertArrayEquals(java.util.stream.IntStream.range(0, Q_ROWS).toArray(), Arrays.stream(q).sorted().toArray());
        // Within a head of 8 rows: GGUF rows 0,1,2,3,... hold HF rows 0,4,1,5,2,6,3,7.
        assertArrayEquals(new int[] {0, 4, 1, 5, 2, 6, 3, 7}, Arrays.copyOf(q, 8));
    }

    @Test
    void restoresHuggingFaceRowsOfF32QAndKUnderGroupedQueryAttention() throws Exception {
        byte[] q = hfMatrix(Q_ROWS, IN);
        byte[] k = hfMatrix(K_ROWS, IN);
        byte[] v = hfMatrix(K_ROWS, IN);
        Path file = metadata("llama")
                .tensor("blk.0.attn_q.weight", GgufTestFile.GGML_F32, new long[] {IN, Q_ROWS}, permuteRows(q, Q_ROWS, N_HEAD))
                .tensor("blk.0.attn_k.weight", GgufTestFile.GGML_F32, new long[] {IN, K_ROWS}, permuteRows(k, K_ROWS, N_HEAD_KV))
                .tensor("blk.0.attn_v.weight", GgufTestFile.GGML_F32, new long[] {IN, K_ROWS}, v)
                .write(dir.resolve("f32.gguf"));
        try (Model model = format.open(file)) {
            assertArrayEquals(q, read(model, "model.layers.0.self_attn.q_proj.weight"));
            assertArrayEquals(k, read(model, "model.layers.0.self_attn.k_proj.weight"));
            assertArrayEquals(v, read(model, "model.layers.0.self_attn.v_proj.weight"));
            // Reading twice gives the same bytes (each read is a fresh copy).
            assertArrayEquals(k, read(model, "model.layers.0.self_attn.k_proj.weight"));
        }
    }

    @Test
    void usingTheQueryHeadCountForKWouldNotRoundTrip() {
        byte[] k = hfMatrix(K_ROWS, IN);
        // Guards the test itself: with n_head for k the permutation differs, so the GQA test above is meaningful.
        assertFalse(Arrays.equals(permuteRows(k, K_ROWS, N_HEAD_KV), permuteRows(k, K_ROWS, N_HEAD)));
    }

    @Test
    void restoresRowsOfBlockQuantisedTensorsAsWholeByteRanges() throws Exception {
        int rowBytes = IN / 32 * 34;
        byte[] q = GgufSamples.randomBytes(11, (long) Q_ROWS * rowBytes);
        byte[] k = GgufSamples.randomBytes(12, (long) K_ROWS * rowBytes);
        Path file = metadata("mistral")
                .tensor("blk.0.attn_q.weight", GgufTestFile.GGML_Q8_0, new long[] {IN, Q_ROWS}, permuteRows(q, Q_ROWS, N_HEAD))
                .tensor("blk.0.attn_k.weight", GgufTestFile.GGML_Q8_0, new long[] {IN, K_ROWS}, permuteRows(k, K_ROWS, N_HEAD_KV))
                .write(dir.resolve("q8.gguf"));
        try (Model model = format.open(file)) {
            assertArrayEquals(q, read(model, "model.layers.0.self_attn.q_proj.weight"));
            assertArrayEquals(k, read(model, "model.layers.0.self_attn.k_proj.weight"));
        }
    }

    @Test
    void restoresRowsOfQAndKBiases() throws Exception {
        byte[] qBias = hfMatrix(Q_ROWS, 1);
        byte[] kBias = hfMatrix(K_ROWS, 1);
        Path file = metadata("llama")
                .tensor("blk.2.attn_q.bias", GgufTestFile.GGML_F32, new long[] {Q_ROWS}, permuteRows(qBias, Q_ROWS, N_HEAD))
                .tensor("blk.2.attn_k.bias", GgufTestFile.GGML_F32, new long[] {K_ROWS}, permuteRows(kBias, K_ROWS, N_HEAD_KV))
                .write(dir.resolve("bias.gguf"));
        try (Model model = format.open(file)) {
            assertArrayEquals(qBias, read(model, "model.layers.2.self_attn.q_proj.bias"));
            assertArrayEquals(kBias, read(model, "model.layers.2.self_attn.k_proj.bias"));
        }
    }

    @Test
    void leavesQwen2RowsAsTheyAreBecauseItsConverterDoesNotPermute() throws Exception {
        byte[] q = hfMatrix(Q_ROWS, IN);
        byte[] k = hfMatrix(K_ROWS, IN);
        Path file = metadata("qwen2")
                .tensor("blk.0.attn_q.weight", GgufTestFile.GGML_F32, new long[] {IN, Q_ROWS}, q)
                .tensor("blk.0.attn_k.weight", GgufTestFile.GGML_F32, new long[] {IN, K_ROWS}, k)
                .write(dir.resolve("qwen2.gguf"));
        try (Model model = format.open(file)) {
            assertEquals(java.util.List.of("Qwen2ForCausalLM"), model.config().architectures());
            assertArrayEquals(q, read(model, "model.layers.0.self_attn.q_proj.weight"));
            assertArrayEquals(k, read(model, "model.layers.0.self_attn.k_proj.weight"));
        }
    }

    @Test
    void rowsThatDoNotSplitIntoHeadsAreAnInputError() throws Exception {
        Path file = metadata("llama")
                .tensor("blk.0.attn_k.weight", GgufTestFile.GGML_F32, new long[] {IN, 6}, new byte[IN * 6 * 4])
                .write(dir.resolve("odd.gguf"));
        EvomergeException e = assertThrows(EvomergeException.class, () -> format.open(file));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertEquals(file + ": tensor 'blk.0.attn_k.weight' has 6 rows, which do not split into 2 heads of an even size",
                e.getMessage());
    }

    @Test
    void aBlockQuantisedBiasCannotBeReordered() throws Exception {
        Path file = metadata("llama")
                .tensor("blk.0.attn_q.bias", GgufTestFile.GGML_Q8_0, new long[] {Q_ROWS}, new byte[Q_ROWS / 32 * 34])
                .write(dir.resolve("qbias.gguf"));
        EvomergeException e = assertThrows(EvomergeException.class, () -> format.open(file));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertEquals(file + ": tensor 'blk.0.attn_q.bias' is a block-quantised vector (Q8_0), whose elements cannot be"
                + " reordered one by one", e.getMessage());
    }

    @Test
    void missingHeadCountsAreAnInputErrorWhenRowsMustBeRestored() throws Exception {
        Path file = new GgufTestFile()
                .meta("general.architecture", str("llama"))
                .tensor("blk.0.attn_q.weight", GgufTestFile.GGML_F32, new long[] {IN, Q_ROWS}, new byte[IN * Q_ROWS * 4])
                .write(dir.resolve("noheads.gguf"));
        EvomergeException e = assertThrows(EvomergeException.class, () -> format.open(file));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().startsWith(file + ": tensor 'blk.0.attn_q.weight' needs llama.attention.head_count"),
                e.getMessage());
    }

    @Test
    void theWritersRowMappingIsTheConvertersPermutationAndTheReadersInverse() {
        for (int[] shape : new int[][] {{64, 4}, {32, 2}, {16, 8}, {128, 1}}) {
            int rows = shape[0];
            int heads = shape[1];
            byte[] hf = new byte[rows];
            for (int r = 0; r < rows; r++) {
                hf[r] = (byte) r;
            }
            byte[] converted = ConvertedLlama.permuteRows(hf, rows, heads);
            for (int r = 0; r < rows; r++) {
                assertEquals(r, converted[(int) LlamaQkRowOrder.ggufRow(r, rows, heads)], rows + "/" + heads);
            }
            MemorySegment back = LlamaQkRowOrder.toHuggingFace(MemorySegment.ofArray(converted), rows, heads,
                    Arena.ofAuto());
            assertArrayEquals(hf, back.toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
