package org.evomerge.compute;

import static org.evomerge.compute.LaneShapes.D;
import static org.evomerge.compute.LaneShapes.F;
import static org.evomerge.compute.LaneShapes.L;
import static org.evomerge.compute.LaneShapes.LANES;
import static org.evomerge.compute.LaneShapes.USABLE;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.kernels.ElementMath;

/**
 * DARE's random drop of a task vector with the Vector API ({@code TaskVectorOperations.randomMask}): the
 * counter-based draw of {@link ElementMath#randomBits} lane by lane, the same integer operations, so the same mask as
 * the reference backend; the L1 norms (double sums per lane, then the lanes in lane order) agree within rounding.
 */
final class VectorRandomMask {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private VectorRandomMask() {
    }

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long[] IOTA_PLUS_ONE = new long[LANES];

    static {
        for (int i = 0; i < LANES; i++) {
            IOTA_PLUS_ONE[i] = i + 1;
        }
    }

    static MaskNorms mask(long seed, long stream, long first, float[] x, float[] base, double density, long[] mask) {
        int n = ReferenceBackend.checkMask(x, base, mask);
        if (!USABLE) {
            return REFERENCE.randomMask(seed, stream, first, x, base, density, mask);
        }
        long streamSeed = ElementMath.streamSeed(seed, stream);
        LongVector plusOne = LongVector.fromArray(L, IOTA_PLUS_ONE, 0);
        int end = n - n % 64;
        DoubleVector total = DoubleVector.zero(D);
        DoubleVector kept = DoubleVector.zero(D);
        for (int word = 0; word < end >>> 6; word++) {
            long bits = 0;
            for (int lane = 0; lane < 64; lane += LANES) {
                int i = (word << 6) + lane;
                // ElementMath.randomBits lane-wise: the same integer operations, so the same bits.
                LongVector z = plusOne.add(first + i).mul(GOLDEN).add(streamSeed);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
                DoubleVector uniform = ((DoubleVector) z.lanewise(VectorOperators.LSHR, 11)
                        .convertShape(VectorOperators.L2D, D, 0)).mul(0x1.0p-53);
                VectorMask<Double> keep = uniform.compare(VectorOperators.LT, density);
                bits |= keep.toLong() << lane;
                FloatVector m = FloatVector.fromArray(F, x, i).sub(FloatVector.fromArray(F, base, i))
                        .lanewise(VectorOperators.ABS);
                DoubleVector md = (DoubleVector) m.convertShape(VectorOperators.F2D, D, 0);
                total = total.add(md);
                kept = kept.add(md, keep);
            }
            mask[word] = bits;
        }
        double totalSum = VectorBackend.sumLanes(total);
        double keptSum = VectorBackend.sumLanes(kept);
        long tailBits = 0;
        for (int i = end; i < n; i++) {
            float m = Math.abs(x[i] - base[i]);
            totalSum += m;
            if (ElementMath.dareKeeps(streamSeed, first + i, density)) {
                tailBits |= 1L << i;
                keptSum += m;
            }
        }
        if (end < n) {
            mask[end >>> 6] = tailBits;
        }
        return new MaskNorms(totalSum, keptSum);
    }
}
