package org.evomerge.api.tensor;

import org.evomerge.api.Experimental;

/**
 * One tensor of several inputs (the non-base models of a merge and, when there is one, the base), streamed in
 * blocks of consecutive elements instead of held whole: the engine reads and decodes one block of every input at a
 * time into arrays it reuses, so a merge of a 500-million-element embedding needs a few megabytes instead of
 * gigabytes. A consumer makes as many {@link #scan} passes as its per-tensor statistics need (norms, dot products, a
 * magnitude threshold), then at most one {@link #merge} pass that produces the output.
 *
 * <p>A tensor given whole is the one-block case: {@link #blockCount()} is 1 and the block's arrays are the whole
 * inputs. Every block but the last has {@link #blockElements()} elements, a multiple of 64, so a block's bit-mask
 * words line up with the whole tensor's. Passes run on the calling thread, in block order; an instance serves one
 * tensor of one call and is not thread-safe.
 */
@Experimental(since = "0.1.0",
        reason = "tensors streamed in blocks to merge methods; block size and passes may be tuned")
public interface TensorBlocks {

    /** The number of elements of the tensor. */
    long elementCount();

    /** The elements of every block but the last: a positive multiple of 64. */
    int blockElements();

    /** The number of blocks, {@code ceil(elementCount / blockElements)}. */
    default int blockCount() {
        return (int) ((elementCount() + blockElements() - 1) / blockElements());
    }

    /** The number of non-base inputs (the length of {@link TensorBlock#models()}). */
    int modelCount();

    /**
     * Reads the blocks from {@code fromBlock} on, in order, and hands each to {@code visitor} until it returns
     * {@code false} or the tensor ends.
     */
    void scan(int fromBlock, Visitor visitor);

    /**
     * The final pass: for every block in order, {@code merger} writes the block's merged values into {@code out}
     * (exactly as long as the block, contents undefined on entry), which the engine then checks, encodes and writes.
     * Called once per tensor, after the scans.
     */
    void merge(Merger merger);

    /** What a {@link #scan} does with each block. */
    @FunctionalInterface
    interface Visitor {
        /** @return whether to go on with the next block */
        boolean visit(TensorBlock block);
    }

    /** What the {@link #merge} pass does with each block. */
    @FunctionalInterface
    interface Merger {
        void merge(TensorBlock block, float[] out);
    }
}
