package org.evomerge.compute;

import static org.evomerge.compute.LaneShapes.D;
import static org.evomerge.compute.LaneShapes.F;
import static org.evomerge.compute.LaneShapes.LANES;
import static org.evomerge.compute.LaneShapes.USABLE;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.kernels.ElementMath;

/**
 * Magnitude trimming of a task vector with the Vector API ({@code TaskVectorOperations.magnitudeMask}): every lane
 * performs the reference backend's comparisons in the same order, so the mask is the same bits; the L1 norms (double
 * sums per lane, then the lanes in lane order) agree within rounding. Tails and shapes that do not fit run the
 * reference loop.
 */
final class VectorMagnitudeMask {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private VectorMagnitudeMask() {
    }

    static MaskNorms mask(float[] x, float[] base, MagnitudeRank from, MagnitudeRank to, long[] mask) {
        int n = ReferenceBackend.checkMask(x, base, mask);
        if (!USABLE) {
            return REFERENCE.magnitudeMask(x, base, from, to, mask);
        }
        boolean fromStart = from.equals(MagnitudeRank.NONE); // TIES: nothing ranks before the start
        float toThreshold = to.threshold();
        int toTie = to.tieIndex();
        float fromThreshold = from.threshold();
        int fromTie = from.tieIndex();
        int end = n - n % 64;
        DoubleVector total = DoubleVector.zero(D);
        DoubleVector kept = DoubleVector.zero(D);
        for (int word = 0; word < end >>> 6; word++) {
            long bits = 0;
            for (int lane = 0; lane < 64; lane += LANES) {
                int i = (word << 6) + lane;
                FloatVector m = FloatVector.fromArray(F, x, i).sub(FloatVector.fromArray(F, base, i))
                        .lanewise(VectorOperators.ABS);
                // As lane bits, not masks passed between methods: a mask that is not inlined is boxed, and the
                // kernel then ran in the Vector API's slow generic code (a third of a TIES merge's samples).
                long keep = before(m, i, toThreshold, toTie);
                if (!fromStart) {
                    keep &= ~before(m, i, fromThreshold, fromTie);
                }
                bits |= keep << lane;
                DoubleVector md = (DoubleVector) m.convertShape(VectorOperators.F2D, D, 0);
                total = total.add(md);
                kept = kept.add(md, VectorMask.fromLong(D, keep));
            }
            mask[word] = bits;
        }
        double totalSum = VectorBackend.sumLanes(total);
        double keptSum = VectorBackend.sumLanes(kept);
        long tailBits = 0;
        for (int i = end; i < n; i++) {
            float m = Math.abs(x[i] - base[i]);
            boolean keep = ElementMath.ranksBefore(m, i, to.threshold(), to.tieIndex())
                    && !ElementMath.ranksBefore(m, i, from.threshold(), from.tieIndex());
            totalSum += m;
            if (keep) {
                tailBits |= 1L << i;
                keptSum += m;
            }
        }
        if (end < n) {
            mask[end >>> 6] = tailBits;
        }
        return new MaskNorms(totalSum, keptSum);
    }

    /**
     * Bit {@code lane} set iff the element (magnitude {@code m}, index {@code start + lane}) ranks before the rank
     * (threshold, tie index): greater, or equal with an index below the tie index.
     */
    private static long before(FloatVector m, int start, float threshold, int tieIndex) {
        long greater = m.compare(VectorOperators.GT, threshold).toLong();
        int tied = tieIndex - start; // lanes below this index count when equal
        if (tied <= 0) {
            return greater;
        }
        long lanes = tied >= 64 ? -1L : (1L << tied) - 1;
        return greater | (m.compare(VectorOperators.EQ, threshold).toLong() & lanes);
    }
}
