package org.evomerge.compute;

import static org.evomerge.compute.LaneShapes.D;
import static org.evomerge.compute.LaneShapes.F;
import static org.evomerge.compute.LaneShapes.LANES;
import static org.evomerge.compute.LaneShapes.USABLE;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.evomerge.api.compute.SignElection;
import org.evomerge.api.compute.TaskVectorCombine;
import org.evomerge.kernels.ElementMath;

/**
 * The sign-consensus combine of task vectors with the Vector API ({@code TaskVectorOperations.combineTaskVectors}):
 * every election (none, sum, count), the disjoint mean, normalisation and lambda, lane-wise in the reference
 * backend's order, so the result is the same bits; the tail that fills no whole vector runs the reference loop.
 */
final class VectorTaskVectorCombine {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private VectorTaskVectorCombine() {
    }

    /**
     * The combine lane-wise, for every election. A dropped element contributes +0.0 where the reference has 0.0 too,
     * so sums, votes, elections and agreement are the same. The weighted deltas are computed again in the agreement
     * loop instead of being kept in an array of vectors: an array makes the JIT box every vector, which ran this loop
     * through the Vector API's scalar fallback (30 times slower, and it was most of a TIES merge's time); the second
     * loads hit the L1 cache.
     */
    static void combine(float[] base, float[][] models, long[][] masks, TaskVectorCombine combine, float[] out) {
        ReferenceBackend.checkCombine(base, models, masks, combine, out);
        if (!USABLE || models.length == 0) {
            REFERENCE.combineTaskVectors(base, models, masks, combine, out);
            return;
        }
        int count = models.length;
        double[] factors = combine.factors();
        double[] shares = combine.shares();
        SignElection election = combine.election();
        boolean normalize = combine.normalize();
        double lambda = combine.lambda();
        double shareSum = 0;
        for (double share : shares) {
            shareSum += share;
        }
        double constantDivisor = ElementMath.guardedDivisor(shareSum);
        int end = out.length - out.length % LANES;
        DoubleVector zero = DoubleVector.zero(D);
        for (int i = 0; i < end; i += LANES) {
            FloatVector bf = FloatVector.fromArray(F, base, i);
            DoubleVector b = (DoubleVector) bf.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector sum = zero;
            DoubleVector votes = zero;
            for (int m = 0; m < count; m++) {
                DoubleVector v = weighted(models[m], masks[m], factors[m], bf, i);
                sum = sum.add(v);
                if (election == SignElection.COUNT) {
                    votes = votes.add(1.0, v.compare(VectorOperators.GT, 0.0)).sub(1.0,
                            v.compare(VectorOperators.LT, 0.0));
                }
            }
            DoubleVector mixed;
            if (election != SignElection.NONE) {
                VectorMask<Double> electedNegative = (election == SignElection.SUM ? sum : votes)
                        .compare(VectorOperators.LT, 0.0);
                mixed = zero;
                DoubleVector divisor = zero;
                for (int m = 0; m < count; m++) {
                    DoubleVector v = weighted(models[m], masks[m], factors[m], bf, i);
                    VectorMask<Double> agrees = v.compare(VectorOperators.NE, 0.0)
                            .and(v.compare(VectorOperators.LT, 0.0).eq(electedNegative));
                    mixed = mixed.add(v, agrees);
                    divisor = divisor.add(shares[m], agrees);
                }
                if (normalize) {
                    VectorMask<Double> small = divisor.abs().compare(VectorOperators.LT, 1e-8);
                    mixed = mixed.div(divisor.blend(1.0, small));
                }
            } else {
                mixed = normalize ? sum.div(constantDivisor) : sum;
            }
            DoubleVector result = b.add(mixed.mul(lambda));
            ((FloatVector) result.convertShape(VectorOperators.D2F, F, 0)).intoArray(out, i);
        }
        if (end < out.length) {
            combineTail(base, models, masks, combine, out, end);
        }
    }

    /** Lanes [i, i + LANES) of factor·(model − base), zero where the mask drops the element. */
    private static DoubleVector weighted(float[] model, long[] mask, double factor, FloatVector base, int i) {
        FloatVector difference = FloatVector.fromArray(F, model, i).sub(base);
        DoubleVector v = ((DoubleVector) difference.convertShape(VectorOperators.F2D, D, 0)).mul(factor);
        if (mask == null) {
            return v;
        }
        // The mask's bits for these lanes as a vector mask (one instruction with AVX-512 mask registers).
        VectorMask<Double> kept = VectorMask.fromLong(D, mask[i >>> 6] >>> (i & 63));
        return DoubleVector.zero(D).blend(v, kept);
    }

    /** The reference loop over {@code [from, n)}: the tail that fills no whole vector. */
    private static void combineTail(float[] base, float[][] models, long[][] masks, TaskVectorCombine combine, float[] out,
                             int from) {
        int n = out.length - from;
        float[] tailBase = java.util.Arrays.copyOfRange(base, from, out.length);
        float[][] tailModels = new float[models.length][];
        long[][] tailMasks = new long[models.length][];
        for (int m = 0; m < models.length; m++) {
            tailModels[m] = java.util.Arrays.copyOfRange(models[m], from, out.length);
            if (masks[m] != null) {
                long[] shifted = new long[1];
                for (int i = 0; i < n; i++) {
                    if (ReferenceBackend.isKept(masks[m], from + i)) {
                        shifted[0] |= 1L << i;
                    }
                }
                tailMasks[m] = shifted;
            }
        }
        float[] tailOut = new float[n];
        REFERENCE.combineTaskVectors(tailBase, tailModels, tailMasks, combine, tailOut);
        System.arraycopy(tailOut, 0, out, from, n);
    }
}
