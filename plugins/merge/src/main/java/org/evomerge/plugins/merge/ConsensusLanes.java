package org.evomerge.plugins.merge;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The consensus combine with sum election, several elements at a time (Vector API), giving the same bits as the
 * scalar loop in {@link GeneralizedTaskArithmetic}: every lane performs the scalar loop's double operations in the
 * same order (float difference, widened, times factor; sum over models from +0.0; masked sums of agreeing values and
 * shares; guarded division; {@code b + mixed·λ} without fusing; narrowing to float). A dropped element contributes
 * +0.0 where the scalar loop has ±0.0, which changes no sum, sign election or agreement.
 */
final class ConsensusLanes {

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Floats with as many lanes as {@link #D}: widening one into the other is a single instruction. */
    private static final VectorSpecies<Float> F =
            VectorSpecies.of(float.class, VectorShape.forBitSize(Math.max(64, D.vectorBitSize() / 2)));
    private static final boolean USABLE = F.length() == D.length() && 64 % D.length() == 0 && D.length() >= 2;

    private ConsensusLanes() {
    }

    /**
     * Combines elements {@code [0, end)} for the largest {@code end} that is a whole number of lanes and returns it;
     * the caller finishes the rest with the scalar loop. Returns 0 where the vector shapes do not fit.
     */
    static int combine(float[] base, float[][] values, long[][] masks, double[] factors, double[] shares,
                       boolean normalize, double lambda, float[] merged) {
        if (!USABLE) {
            return 0;
        }
        int lanes = D.length();
        int count = values.length;
        int end = merged.length - merged.length % lanes;
        DoubleVector zero = DoubleVector.zero(D);
        DoubleVector[] weighted = new DoubleVector[count];
        for (int i = 0; i < end; i += lanes) {
            DoubleVector b = (DoubleVector) FloatVector.fromArray(F, base, i).convertShape(VectorOperators.F2D, D, 0);
            DoubleVector sum = zero;
            for (int m = 0; m < count; m++) {
                FloatVector difference = FloatVector.fromArray(F, values[m], i).sub(FloatVector.fromArray(F, base, i));
                DoubleVector v = ((DoubleVector) difference.convertShape(VectorOperators.F2D, D, 0)).mul(factors[m]);
                if (masks[m] != null) {
                    long bits = (masks[m][i >>> 6] >>> (i & 63)) & ((1L << lanes) - 1);
                    v = zero.blend(v, VectorMask.fromLong(D, bits));
                }
                weighted[m] = v;
                sum = sum.add(v);
            }
            VectorMask<Double> electedNegative = sum.compare(VectorOperators.LT, 0.0);
            DoubleVector mixed = zero;
            DoubleVector divisor = zero;
            for (int m = 0; m < count; m++) {
                DoubleVector v = weighted[m];
                VectorMask<Double> agrees = v.compare(VectorOperators.NE, 0.0)
                        .and(v.compare(VectorOperators.LT, 0.0).eq(electedNegative));
                mixed = mixed.add(v, agrees);
                divisor = divisor.add(shares[m], agrees);
            }
            if (normalize) {
                VectorMask<Double> small = divisor.abs().compare(VectorOperators.LT, 1e-8);
                mixed = mixed.div(divisor.blend(1.0, small));
            }
            DoubleVector result = b.add(mixed.mul(lambda));
            ((FloatVector) result.convertShape(VectorOperators.D2F, F, 0)).intoArray(merged, i);
        }
        return end;
    }
}
