package org.evomerge.plugins.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The vector consensus gives the scalar loop's bits, with and without masks, normalisation and λ. */
class ConsensusLanesTest {

    /** The scalar loop of GeneralizedTaskArithmetic.combineWithConsensus with sum election, written out again. */
    private static float scalar(float[] base, float[][] values, long[][] masks, double[] factors, double[] shares,
                                boolean normalize, double lambda, int i) {
        float b = base[i];
        double sum = 0;
        double[] weighted = new double[values.length];
        for (int m = 0; m < values.length; m++) {
            double kept = masks[m] == null ? 1.0 : (double) ((masks[m][i >>> 6] >>> i) & 1L);
            weighted[m] = (values[m][i] - b) * factors[m] * kept;
            sum += weighted[m];
        }
        boolean negative = sum < 0;
        double mixed = 0;
        double divisor = 0;
        for (int m = 0; m < values.length; m++) {
            double v = weighted[m];
            if (v != 0 && (v < 0) == negative) {
                mixed += v;
                divisor += shares[m];
            }
        }
        if (normalize) {
            mixed /= Math.abs(divisor) < 1e-8 ? 1.0 : divisor;
        }
        return (float) (b + mixed * lambda);
    }

    @Test
    void matchesTheScalarLoopBitForBit() {
        SplittableRandom random = new SplittableRandom(5);
        int n = 1000;
        float[] base = new float[n];
        float[][] values = new float[3][n];
        long[][] masks = new long[3][];
        for (int i = 0; i < n; i++) {
            base[i] = (float) random.nextGaussian();
            for (int m = 0; m < 3; m++) {
                // some exact zeros and exact cancellations
                values[m][i] = i % 7 == 0 ? base[i] : base[i] + (float) random.nextGaussian() * 0.1f;
            }
        }
        masks[0] = SparseDelta.newMask(n);
        for (int i = 0; i < n; i++) {
            if (random.nextBoolean()) {
                masks[0][i >>> 6] |= 1L << i;
            }
        }
        double[] factors = {0.6, -0.4, 0.3};
        for (boolean normalize : new boolean[] {true, false}) {
            for (double lambda : new double[] {1.0, 0.7}) {
                double[] shares = {0.6, 0.4, 0.3};
                float[] merged = new float[n];
                int end = ConsensusLanes.combine(base, values, masks, factors, shares, normalize, lambda, merged);
                for (int i = 0; i < end; i++) {
                    assertEquals(Float.floatToRawIntBits(scalar(base, values, masks, factors, shares, normalize, lambda, i)),
                            Float.floatToRawIntBits(merged[i]), "element " + i);
                }
            }
        }
    }
}
