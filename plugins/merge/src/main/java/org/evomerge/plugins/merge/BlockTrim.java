package org.evomerge.plugins.merge;

import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.TaskVectorOperations;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.tensor.TensorBlock;
import org.evomerge.api.tensor.TensorBlocks;

/**
 * A {@link Sparsifier.InBlocks}'s decision for every model of one tensor given as blocks: which elements of each block
 * survive and by how much the survivors are scaled, the same masks for any block size and (up to the rounding of
 * block-wise sums) the same scales. Made by {@link Sparsifier.InBlocks#trim}; one per tensor, used from one thread.
 */
interface BlockTrim {

    /** Whether model {@code model} keeps every element unscaled (density ≥ 1): no mask at all. */
    boolean keepsAll(int model);

    /** Writes model {@code model}'s keep mask of {@code block} into {@code mask} (bit i = the block's element i). */
    MaskNorms mask(TensorBlock block, int model, long[] mask);

    /** The factor model {@code model}'s survivors are multiplied by. */
    double scale(int model);

    /**
     * The L1 norms of every trimmed model over the whole tensor (Σ|δ| and Σ|δ| over the kept elements), from one
     * scan that masks each block: what a rescale needs before the merge pass.
     */
    static MaskNorms[] norms(BlockTrim trim, TensorBlocks blocks, TaskVectorOperations compute) {
        int models = blocks.modelCount();
        double[] total = new double[models];
        double[] kept = new double[models];
        long[] mask = new long[blocks.blockElements() >>> 6];
        blocks.scan(0, block -> {
            for (int m = 0; m < models; m++) {
                if (!trim.keepsAll(m)) {
                    MaskNorms norms = trim.mask(block, m, mask);
                    total[m] += norms.total();
                    kept[m] += norms.kept();
                }
            }
            return true;
        });
        MaskNorms[] norms = new MaskNorms[models];
        for (int m = 0; m < models; m++) {
            norms[m] = new MaskNorms(total[m], kept[m]);
        }
        return norms;
    }

    /** What {@link Sparsifier.InBlocks#trim} needs: the tensor, its values, the rescale flag and the operations. */
    record Request(MergeInput input, TensorBlocks values, boolean rescale, TaskVectorOperations compute) {
    }
}
