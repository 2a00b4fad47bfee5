package org.evomerge.compute;

import java.util.Random;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.TaskVectorOperations;

/**
 * The process {@link FreshJvmReductionsTest} starts: the vector backend's reductions (dot, sum of squares, the L1
 * norms of a magnitude and a random mask) on fixed random data, {@code rounds} times; prints the bits of the first
 * round's results, one line each, and exits with 1 if a later round gave other bits.
 */
final class ReductionBitsProbe {

    private ReductionBitsProbe() {
    }

    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        Random random = new Random(9);
        // A block's size plus a tail: the lanes' loop and the scalar tail both run.
        float[] a = new float[65_536 + 45];
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
            b[i] = (float) random.nextGaussian();
        }
        String first = results(a, b);
        for (int round = 1; round < rounds; round++) {
            if (!results(a, b).equals(first)) {
                System.out.println("round " + round + " differs from round 0");
                System.exit(1);
            }
        }
        System.out.print(first);
    }

    private static String results(float[] a, float[] b) {
        VectorBackend backend = new VectorBackend();
        TaskVectorOperations taskVectors = backend.taskVectors().orElseThrow();
        long[] mask = new long[(a.length + 63) / 64];
        MaskNorms magnitude = taskVectors.magnitudeMask(a, b, MagnitudeRank.NONE,
                taskVectors.magnitudeRank(a, b, a.length / 3), mask);
        MaskNorms dropped = taskVectors.randomMask(7, 1, a, b, 0.4, mask);
        return bits(backend.dot(a, b)) + bits(backend.sumOfSquares(a)) + bits(magnitude.total())
                + bits(magnitude.kept()) + bits(dropped.total()) + bits(dropped.kept());
    }

    private static String bits(double value) {
        return Long.toHexString(Double.doubleToRawLongBits(value)) + "\n";
    }
}
