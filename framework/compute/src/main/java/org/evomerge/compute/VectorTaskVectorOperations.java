package org.evomerge.compute;

import static org.evomerge.compute.LaneShapes.F_FULL;

import jdk.incubator.vector.FloatVector;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.TaskVectorCombine;
import org.evomerge.api.compute.TaskVectorOperations;
import org.evomerge.api.tensor.TensorBlocks;

/**
 * The task-vector operations of {@link VectorBackend}, several elements at a time with the Vector API: masks
 * ({@link VectorMagnitudeMask}, {@link VectorRandomMask}), the magnitude-order selection
 * ({@link SampledMagnitudeSelection}) and the combine ({@link VectorTaskVectorCombine}). Every lane performs the
 * reference backend's operations in the same order, so masks, ranks, task vectors and combines give the same bits as
 * {@link ReferenceBackend}; only the L1 norms (double sums per lane, then the lanes in lane order) agree within
 * rounding. Each kernel is warmed on its first use ({@link TaskVectorWarmup}).
 */
final class VectorTaskVectorOperations implements TaskVectorOperations {

    @Override
    public void taskVector(float[] x, float[] base, float[] out) {
        ReferenceBackend.checkSameLength(x.length, base.length);
        ReferenceBackend.checkSameLength(x.length, out.length);
        int i = 0;
        for (int bound = F_FULL.loopBound(out.length); i < bound; i += F_FULL.length()) {
            FloatVector.fromArray(F_FULL, x, i).sub(FloatVector.fromArray(F_FULL, base, i)).intoArray(out, i);
        }
        for (; i < out.length; i++) {
            out[i] = x[i] - base[i];
        }
    }

    @Override
    public MagnitudeRank magnitudeRank(float[] x, float[] base, int position) {
        ReferenceBackend.checkSameLength(x.length, base.length);
        return SampledMagnitudeSelection.ranks(ArrayBlocks.whole(new float[][] {x}, base), new int[] {position})[0];
    }

    @Override
    public MagnitudeRank[] magnitudeRanks(TensorBlocks blocks, int[] positions) {
        return SampledMagnitudeSelection.ranks(blocks, positions);
    }

    @Override
    public MaskNorms magnitudeMask(float[] x, float[] base, MagnitudeRank from, MagnitudeRank to, long[] mask) {
        TaskVectorWarmup.warm(TaskVectorWarmup.Operation.MAGNITUDE_MASK);
        return VectorMagnitudeMask.mask(x, base, from, to, mask);
    }

    @Override
    public MaskNorms randomMask(long seed, long stream, float[] x, float[] base, double density, long[] mask) {
        TaskVectorWarmup.warm(TaskVectorWarmup.Operation.RANDOM_MASK);
        return VectorRandomMask.mask(seed, stream, 0, x, base, density, mask);
    }

    @Override
    public MaskNorms randomMask(long seed, long stream, long firstIndex, float[] x, float[] base, double density,
                                long[] mask) {
        TaskVectorWarmup.warm(TaskVectorWarmup.Operation.RANDOM_MASK);
        return VectorRandomMask.mask(seed, stream, firstIndex, x, base, density, mask);
    }

    @Override
    public void combineTaskVectors(float[] base, float[][] models, long[][] masks, TaskVectorCombine combine,
                                   float[] out) {
        TaskVectorWarmup.warm(TaskVectorWarmup.Operation.COMBINE);
        VectorTaskVectorCombine.combine(base, models, masks, combine, out);
    }
}
