package org.evomerge.plugins.merge;

import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.TaskVectorOperations;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.tensor.TensorBlock;

/**
 * TIES trimming (mergekit's {@code magnitude} sparsification): keeps the k = ⌊density·n⌋ elements of largest |δ| of
 * the tensor and zeroes the rest.
 *
 * <ul>
 *   <li>Exactly k elements are kept; among equal magnitudes the lower index is kept ({@link MagnitudeCut}); the run's
 *       backend selects them ({@code TaskVectorOperations.magnitudeRanks}) and masks them block by block.</li>
 *   <li>density ≥ 1 keeps everything, unscaled.</li>
 *   <li>k = 0 (e.g. a 1-element tensor at density 0.5): the task vector becomes all zero. mergekit asserts
 *       {@code k > 0} and aborts the merge.</li>
 *   <li>With {@code rescale}, the kept elements are scaled to the L1 norm of the whole task vector (skipped when either
 *       norm is below 1e-7); off by default for {@code ties}, as in mergekit.</li>
 * </ul>
 */
final class MagnitudeTrim implements Sparsifier.InBlocks {

    /**
     * The trim of a tensor given as blocks: the backend selects every model's rank over the whole tensor in shared
     * scans ({@code TaskVectorOperations.magnitudeRanks}); each block's mask is the rank with its tie index shifted to
     * the block. With {@code rescale}, one more scan measures the norms.
     */
    @Override
    public BlockTrim trim(BlockTrim.Request request) {
        MergeInput input = request.input();
        TaskVectorOperations compute = request.compute();
        int models = input.models().size();
        long n = input.elementCount();
        boolean[] all = new boolean[models];
        int[] positions = new int[models];
        for (int m = 0; m < models; m++) {
            double density = MergeParameters.number(input.models().get(m).parameters(), MergeParameters.DENSITY, 1.0);
            all[m] = density >= 1;
            positions[m] = all[m] ? (int) n : Math.max(0, (int) (density * n)); // k <= 0: nothing is kept
        }
        MagnitudeRank[] ranks;
        try {
            ranks = compute.magnitudeRanks(request.values(), positions);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("tensor '" + input.tensorName() + "': " + e.getMessage(), e);
        }
        double[] scales = new double[models];
        java.util.Arrays.fill(scales, 1.0);
        BlockTrim trim = new BlockTrim() {
            @Override
            public boolean keepsAll(int model) {
                return all[model];
            }

            @Override
            public MaskNorms mask(TensorBlock block, int model, long[] mask) {
                MagnitudeRank rank = ranks[model];
                long tie = Math.clamp(rank.tieIndex() - block.offset(), 0, block.length());
                return compute.magnitudeMask(block.models()[model], block.base(), MagnitudeRank.NONE,
                        new MagnitudeRank(rank.threshold(), (int) tie), mask);
            }

            @Override
            public double scale(int model) {
                return scales[model];
            }
        };
        if (request.rescale()) {
            MaskNorms[] norms = BlockTrim.norms(trim, request.values(), compute);
            for (int m = 0; m < models; m++) {
                if (!all[m] && positions[m] > 0) {
                    scales[m] = Sparsifier.l1Scale(norms[m].total(), norms[m].kept());
                }
            }
        }
        return trim;
    }

    /**
     * Keeps the elements at magnitude-order positions [lo, hi): those not before {@code lo} but before {@code hi}.
     * Rescales to the whole task vector's L1 norm when asked. The mask and norms come from the run's compute backend.
     */
    static SparseDelta keepRange(TaskDelta delta, MagnitudeCut lo, MagnitudeCut hi, boolean rescale, Scratch scratch) {
        long[] mask = SparseDelta.newMask(delta.size());
        MaskNorms norms = scratch.compute().magnitudeMask(delta.model(), delta.base(), lo.rank(), hi.rank(), mask);
        return SparseDelta.of(mask, rescale ? Sparsifier.l1Scale(norms.total(), norms.kept()) : 1.0);
    }
}
