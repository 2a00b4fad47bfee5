package org.evomerge.compute;

import java.util.Arrays;
import java.util.Objects;
import org.evomerge.api.tensor.TensorBlock;
import org.evomerge.api.tensor.TensorBlocks;

/**
 * {@link TensorBlocks} over values already in arrays: a tensor held whole as its one block, with no copy (the merge
 * engine's whole-tensor path, the backends' whole-array selections), and tests that split a tensor into blocks of any
 * size (copies of each block, as the engine's reused arrays would hold). The merge pass writes into the output array
 * given at construction, and runs at most once.
 */
public final class ArrayBlocks implements TensorBlocks {

    private final float[][] models;
    private final float[] base;
    private final float[] out;
    private final int length;
    private final int blockElements;
    private boolean merged;

    /**
     * @param models        the non-base inputs, all of one length
     * @param base          the base's values, or {@code null}
     * @param out           where the merge pass writes, or {@code null} when only scans are made
     * @param blockElements elements per block, a positive multiple of 64; the whole tensor in one block (no copies)
     *                      when at least its length
     */
    public ArrayBlocks(float[][] models, float[] base, float[] out, int blockElements) {
        this.models = Objects.requireNonNull(models, "models");
        this.base = base;
        this.out = out;
        this.length = base != null ? base.length : models.length > 0 ? models[0].length : 0;
        for (float[] m : models) {
            ReferenceBackend.checkSameLength(length, m.length);
        }
        if (out != null) {
            ReferenceBackend.checkSameLength(length, out.length);
        }
        if (blockElements <= 0 || blockElements % 64 != 0) {
            throw new IllegalArgumentException("block elements must be a positive multiple of 64: " + blockElements);
        }
        this.blockElements = blockElements;
    }

    /** The whole arrays as one block, not copied, for scans only. */
    public static ArrayBlocks whole(float[][] models, float[] base) {
        return whole(models, base, null);
    }

    /** The whole arrays as one block, not copied; the merge pass writes straight into {@code out}. */
    public static ArrayBlocks whole(float[][] models, float[] base, float[] out) {
        int n = base != null ? base.length : models.length > 0 ? models[0].length : 0;
        return new ArrayBlocks(models, base, out, Math.max(64, (n + 63) & ~63));
    }

    @Override
    public long elementCount() {
        return length;
    }

    @Override
    public int blockElements() {
        return blockElements;
    }

    @Override
    public int modelCount() {
        return models.length;
    }

    @Override
    public void scan(int fromBlock, Visitor visitor) {
        for (int b = fromBlock; b < blockCount(); b++) {
            if (!visitor.visit(block(b))) {
                return;
            }
        }
    }

    @Override
    public void merge(Merger merger) {
        if (out == null) {
            throw new IllegalStateException("these blocks have no output array");
        }
        if (merged) {
            throw new IllegalStateException("the tensor was already merged");
        }
        merged = true;
        for (int b = 0; b < blockCount(); b++) {
            TensorBlock block = block(b);
            if (block.length() == length) {
                merger.merge(block, out);
            } else {
                float[] part = new float[block.length()];
                merger.merge(block, part);
                System.arraycopy(part, 0, out, (int) block.offset(), part.length);
            }
        }
    }

    /** Whether the merge pass has run. */
    public boolean merged() {
        return merged;
    }

    private TensorBlock block(int b) {
        int from = b * blockElements;
        int to = (int) Math.min(length, (long) from + blockElements);
        if (from == 0 && to == length) {
            return new TensorBlock(b, 0, length, models, base);
        }
        float[][] parts = new float[models.length][];
        for (int m = 0; m < parts.length; m++) {
            parts[m] = Arrays.copyOfRange(models[m], from, to);
        }
        return new TensorBlock(b, from, to - from, parts, base == null ? null : Arrays.copyOfRange(base, from, to));
    }
}
