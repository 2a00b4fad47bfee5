package org.evomerge.api.compute;

import org.evomerge.api.Experimental;
import org.evomerge.api.tensor.TensorBlocks;

/**
 * The operations of the task-vector merge methods (task arithmetic, TIES, DARE, breadcrumbs, DELLA): task vectors
 * δ = x − base (the difference in float), their magnitude order, the masks that trim or drop them, and the combine
 * that mixes the survivors. A backend may lack them ({@link ComputeBackend#taskVectors()} is empty); methods that
 * need them declare {@link org.evomerge.api.extension.Capability#TASK_VECTOR_OPERATIONS} and the engine refuses such
 * a backend before a run starts.
 *
 * <p>Masks are bit masks: bit {@code i} (word {@code i >>> 6}, bit {@code i & 63}) set keeps element {@code i}; a
 * mask argument holds at least {@code (n + 63) / 64} words and every word covering an element is overwritten. Masks,
 * ranks, task vectors and combines are the same bits on every backend; the L1 norms of {@link MaskNorms} agree within
 * double rounding. Implementations are thread-safe.
 */
@Experimental(since = "0.1.0",
        reason = "task-vector kernels (rank, mask, combine); signatures may change as GPU kernels land")
public interface TaskVectorOperations {

    /** {@code out[i] = x[i] − base[i]}, in float. */
    void taskVector(float[] x, float[] base, float[] out);

    /**
     * The position {@code position} of the <em>magnitude order</em> of the task vector δ = x − base (δ in float):
     * elements sorted by |δ| descending, equal magnitudes by index ascending. The result is the rank of the element
     * at that 0-based position, so exactly {@code position} elements rank before it: TIES keeps the top
     * k = ⌊density·n⌋ with {@code magnitudeMask(x, base, NONE, magnitudeRank(x, base, k), mask)}. Exact for every
     * input, whatever the ties; {@code position ≤ 0} gives {@link MagnitudeRank#NONE} and {@code position ≥ n}
     * {@link MagnitudeRank#ALL}.
     *
     * @throws IllegalStateException if δ holds NaN where the selection needs an order
     */
    MagnitudeRank magnitudeRank(float[] x, float[] base, int position);

    /**
     * {@link #magnitudeRank} for every model of a tensor streamed in blocks: the rank at position {@code positions[m]}
     * of the magnitude order of δ = {@code models[m] − base} over the whole tensor (positions ≤ 0 give
     * {@link MagnitudeRank#NONE}, positions ≥ n {@link MagnitudeRank#ALL}). A block's mask then needs only the rank
     * with its tie index shifted by the block's offset. The backend makes the scans it needs; the blocks must have
     * a base.
     */
    MagnitudeRank[] magnitudeRanks(TensorBlocks blocks, int[] positions);

    /**
     * TIES trimming in one call: keeps the {@code keep} elements of δ = x − base that come first in the magnitude
     * order ({@link #magnitudeRank}), exactly as {@code magnitudeMask(x, base, NONE, magnitudeRank(x, base, keep),
     * mask)} does, which is what this default runs. A backend may do it in fewer passes over the tensor.
     *
     * @return Σ|δ| over all elements and over the kept ones
     */
    default MaskNorms topMagnitudeMask(float[] x, float[] base, int keep, long[] mask) {
        return magnitudeMask(x, base, MagnitudeRank.NONE, magnitudeRank(x, base, keep), mask);
    }

    /**
     * Magnitude trimming of the task vector δ = x − base (δ in float): bit {@code i} of {@code mask} is set iff
     * |δ_i| ranks before {@code to} but not before {@code from} ({@link MagnitudeRank}); TIES keeps the top k with
     * {@code from = NONE}, breadcrumbs cuts a band.
     *
     * @return Σ|δ| over all elements and over the kept ones
     */
    MaskNorms magnitudeMask(float[] x, float[] base, MagnitudeRank from, MagnitudeRank to, long[] mask);

    /**
     * DARE's random drop of the task vector δ = x − base: element {@code i} is kept iff the counter-based uniform
     * draw for ({@code seed}, {@code stream}, {@code i}) is below {@code density}. The draw is one fixed function
     * (SplitMix64 finaliser, see {@code org.evomerge.kernels.ElementMath#streamUniform}), so every backend and any
     * chunking or thread count keeps exactly the same elements; {@code stream} separates the models of one tensor.
     * This default is the block form at the tensor's start.
     *
     * @return Σ|δ| over all elements and over the kept ones
     */
    default MaskNorms randomMask(long seed, long stream, float[] x, float[] base, double density, long[] mask) {
        return randomMask(seed, stream, 0, x, base, density, mask);
    }

    /**
     * {@link #randomMask(long, long, float[], float[], double, long[])} for a block of a tensor whose first element is
     * element {@code firstIndex} of the tensor: element {@code i} of the block draws with counter
     * {@code firstIndex + i}, so a tensor masked block by block keeps exactly the elements it keeps whole. Bit
     * {@code i} of {@code mask} is the block's element {@code i}.
     */
    MaskNorms randomMask(long seed, long stream, long firstIndex, float[] x, float[] base, double density, long[] mask);

    /**
     * Mixes the (masked) task vectors of {@code models} against {@code base} into {@code out}, as
     * {@link TaskVectorCombine} defines (sign election, disjoint mean, normalisation, lambda).
     *
     * @param masks per model a bit mask as {@link #magnitudeMask} writes, or {@code null} where every element is kept
     */
    void combineTaskVectors(float[] base, float[][] models, long[][] masks, TaskVectorCombine combine, float[] out);
}
