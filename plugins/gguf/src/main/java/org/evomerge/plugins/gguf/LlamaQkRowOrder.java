package org.evomerge.plugins.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;
import org.evomerge.api.model.ModelConfig;

/**
 * The row permutation llama.cpp's converter applies to the q and k projections of models that use adjacent-pair
 * ("normal") RoPE, both ways: the reader undoes it, the writer applies it. The converter reshapes the rows of each
 * head as {@code (2, headDim/2)} and swaps the two axes, so GGUF row {@code h·headDim + 2i + j} holds Hugging Face
 * row {@code h·headDim + j·headDim/2 + i}. For k the head count is the key/value head count, which differs from q's
 * under grouped-query attention.
 *
 * <p>Architectures with rotate-half ("NeoX") RoPE, such as qwen2, are converted unpermuted and keep their rows.
 */
final class LlamaQkRowOrder {

    /** {@code general.architecture} values whose q and k rows the converter permuted. */
    static final Set<String> PERMUTED_ARCHITECTURES = Set.of("llama", "mistral");

    private static final Pattern Q = Pattern.compile("blk\\.[0-9]+\\.attn_q\\.(weight|bias)");
    private static final Pattern K = Pattern.compile("blk\\.[0-9]+\\.attn_k\\.(weight|bias)");

    private LlamaQkRowOrder() {
    }

    /**
     * The head count whose rows GGUF tensor {@code ggufName} had permuted ({@code config}'s head count for q, its
     * key/value head count for k; 0 when the metadata does not state it), or empty if its rows are in Hugging Face
     * order already.
     */
    static OptionalInt permutedHeads(String architecture, String ggufName, ModelConfig config) {
        if (!PERMUTED_ARCHITECTURES.contains(architecture)) {
            return OptionalInt.empty();
        }
        if (Q.matcher(ggufName).matches()) {
            return OptionalInt.of(config.numHeads());
        }
        if (K.matcher(ggufName).matches()) {
            return OptionalInt.of(config.numKeyValueHeads());
        }
        return OptionalInt.empty();
    }

    /**
     * A copy of {@code gguf} with its {@code rows} rows (contiguous, equal byte ranges) in Hugging Face order,
     * allocated from {@code arena}.
     *
     * @param heads the heads the rows form; {@code rows} must be a multiple of {@code 2·heads}
     */
    static MemorySegment toHuggingFace(MemorySegment gguf, long rows, int heads, Arena arena) {
        if (heads <= 0 || rows % (2L * heads) != 0 || gguf.byteSize() % rows != 0) {
            throw new IllegalArgumentException(rows + " rows of " + gguf.byteSize() + " bytes cannot form " + heads
                    + " heads of paired rows");
        }
        long rowBytes = gguf.byteSize() / rows;
        long headDim = rows / heads;
        long half = headDim / 2;
        MemorySegment hf = arena.allocate(gguf.byteSize());
        for (long h = 0; h < heads; h++) {
            for (long i = 0; i < half; i++) {
                for (long j = 0; j < 2; j++) {
                    long ggufRow = h * headDim + 2 * i + j;
                    long hfRow = h * headDim + j * half + i;
                    MemorySegment.copy(gguf, ggufRow * rowBytes, hf, hfRow * rowBytes, rowBytes);
                }
            }
        }
        return hf;
    }

    /**
     * The GGUF row that Hugging Face row {@code hfRow} of a permuted tensor of {@code rows} rows and {@code heads} heads
     * becomes: row {@code h·headDim + j·headDim/2 + i} goes to {@code h·headDim + 2i + j}.
     */
    static long ggufRow(long hfRow, long rows, int heads) {
        long headDim = rows / heads;
        long half = headDim / 2;
        long head = hfRow / headDim;
        long within = hfRow % headDim;
        long j = within / half;
        long i = within % half;
        return head * headDim + 2 * i + j;
    }
}
