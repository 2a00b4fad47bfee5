package org.evomerge.engine.compute;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.SignElection;
import org.evomerge.api.compute.TaskVectorCombine;
import org.evomerge.kernels.ElementMath;

/**
 * The merge operations of {@link VectorBackend} with the Vector API, several elements at a time. Every lane performs
 * the reference backend's operations in the same order, so masks, task vectors, combinations and combines give the
 * same bits as {@link ReferenceBackend}; only the L1 norms (double sums over lanes, then across lanes) agree within
 * rounding. Shapes that do not fit (lanes not dividing 64) and tails fall back to the reference loops.
 */
final class MergeLanes {

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Floats and longs with as many lanes as {@link #D}: converting between them is a single instruction. */
    private static final VectorSpecies<Float> F =
            VectorSpecies.of(float.class, VectorShape.forBitSize(Math.max(64, D.vectorBitSize() / 2)));
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F_FULL = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = D.length();
    private static final boolean USABLE = F.length() == LANES && L.length() == LANES && 64 % LANES == 0 && LANES >= 2;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long[] IOTA_PLUS_ONE = new long[LANES];

    static {
        for (int i = 0; i < LANES; i++) {
            IOTA_PLUS_ONE[i] = i + 1;
        }
    }

    /** Elements of a warm-up call: two whole mask words and a tail, so every loop runs. */
    private static final int WARM_ELEMENTS = 136;
    private static final int WARM_CALLS = 2_000;

    /** The operations, for their warm-up flags. */
    private enum Operation { RANDOM_MASK, MAGNITUDE_MASK, COMBINE, LINEAR_COMBINATION }

    /**
     * Uncompiled Vector API code is hundreds of times slower than compiled code, and a merge meets its largest tensor
     * first. Each operation is therefore run on a small slice until the JIT has compiled it, on its first use only:
     * a merge pays (about a second) for the operations it uses, never for the others.
     */
    private static final boolean[] WARM = new boolean[Operation.values().length];

    private final ReferenceBackend scalar;

    MergeLanes(ReferenceBackend scalar) {
        this.scalar = scalar;
    }

    private void warm(Operation operation) {
        if (WARM[operation.ordinal()]) {
            return;
        }
        synchronized (WARM) {
            if (WARM[operation.ordinal()]) {
                return;
            }
            WARM[operation.ordinal()] = true; // first: the warm-up calls the operation itself
            float[] a = new float[WARM_ELEMENTS];
            float[] b = new float[WARM_ELEMENTS];
            for (int i = 0; i < WARM_ELEMENTS; i++) {
                a[i] = (float) Math.sin(i);
                b[i] = (float) Math.cos(i);
            }
            long[] mask = new long[(WARM_ELEMENTS + 63) >>> 6];
            float[] out = new float[WARM_ELEMENTS];
            TaskVectorCombine combine = new TaskVectorCombine(new double[] {1, 0.5}, new double[] {1, 0.5},
                    SignElection.SUM, true, 1.0);
            for (int call = 0; call < WARM_CALLS; call++) {
                switch (operation) {
                    case RANDOM_MASK -> randomMask(call, 0, a, b, 0.5, mask);
                    case MAGNITUDE_MASK -> magnitudeMask(a, b, MagnitudeRank.NONE, new MagnitudeRank(0.5f, 7), mask);
                    case COMBINE -> combineTaskVectors(b, new float[][] {a, out}, new long[][] {mask, null}, combine,
                            out);
                    case LINEAR_COMBINATION -> linearCombination(a, 0.5, b, 0.5, out);
                }
            }
        }
    }

    void taskVector(float[] x, float[] base, float[] out) {
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

    MaskNorms magnitudeMask(float[] x, float[] base, MagnitudeRank from, MagnitudeRank to, long[] mask) {
        int n = ReferenceBackend.checkMask(x, base, mask);
        if (!USABLE) {
            return scalar.magnitudeMask(x, base, from, to, mask);
        }
        warm(Operation.MAGNITUDE_MASK);
        int end = n - n % 64;
        DoubleVector total = DoubleVector.zero(D);
        DoubleVector kept = DoubleVector.zero(D);
        for (int word = 0; word < end >>> 6; word++) {
            long bits = 0;
            for (int lane = 0; lane < 64; lane += LANES) {
                int i = (word << 6) + lane;
                FloatVector m = FloatVector.fromArray(F, x, i).sub(FloatVector.fromArray(F, base, i))
                        .lanewise(VectorOperators.ABS);
                VectorMask<Float> keep = before(m, i, to).andNot(before(m, i, from));
                bits |= keep.toLong() << lane;
                DoubleVector md = (DoubleVector) m.convertShape(VectorOperators.F2D, D, 0);
                total = total.add(md);
                kept = kept.add(md, keep.cast(D));
            }
            mask[word] = bits;
        }
        double totalSum = total.reduceLanes(VectorOperators.ADD);
        double keptSum = kept.reduceLanes(VectorOperators.ADD);
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

    /** Lanes whose element (magnitude {@code m}, index {@code start + lane}) ranks before {@code rank}. */
    private static VectorMask<Float> before(FloatVector m, int start, MagnitudeRank rank) {
        VectorMask<Float> greater = m.compare(VectorOperators.GT, rank.threshold());
        VectorMask<Float> tied = m.compare(VectorOperators.EQ, rank.threshold())
                .and(F.indexInRange(start, Math.max(start, rank.tieIndex())));
        return greater.or(tied);
    }

    MaskNorms randomMask(long seed, long stream, float[] x, float[] base, double density, long[] mask) {
        int n = ReferenceBackend.checkMask(x, base, mask);
        if (!USABLE) {
            return scalar.randomMask(seed, stream, x, base, density, mask);
        }
        warm(Operation.RANDOM_MASK);
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
                LongVector z = plusOne.add(i).mul(GOLDEN).add(streamSeed);
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
        double totalSum = total.reduceLanes(VectorOperators.ADD);
        double keptSum = kept.reduceLanes(VectorOperators.ADD);
        long tailBits = 0;
        for (int i = end; i < n; i++) {
            float m = Math.abs(x[i] - base[i]);
            totalSum += m;
            if (ElementMath.dareKeeps(streamSeed, i, density)) {
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
     * The combine for {@link SignElection#NONE} and {@link SignElection#SUM} lane-wise; {@code COUNT} (rare) runs the
     * reference loop. A dropped element contributes +0.0 where the reference has 0.0 too, so sums, elections and
     * agreement are the same.
     */
    void combineTaskVectors(float[] base, float[][] models, long[][] masks, TaskVectorCombine combine, float[] out) {
        ReferenceBackend.checkCombine(base, models, masks, combine, out);
        if (!USABLE || combine.election() == SignElection.COUNT || models.length == 0) {
            scalar.combineTaskVectors(base, models, masks, combine, out);
            return;
        }
        warm(Operation.COMBINE);
        int count = models.length;
        double[] factors = combine.factors();
        double[] shares = combine.shares();
        boolean elect = combine.election() == SignElection.SUM;
        boolean normalize = combine.normalize();
        double lambda = combine.lambda();
        double shareSum = 0;
        for (double share : shares) {
            shareSum += share;
        }
        double constantDivisor = ElementMath.guardedDivisor(shareSum);
        int end = out.length - out.length % LANES;
        DoubleVector zero = DoubleVector.zero(D);
        DoubleVector[] weighted = new DoubleVector[count];
        for (int i = 0; i < end; i += LANES) {
            FloatVector bf = FloatVector.fromArray(F, base, i);
            DoubleVector b = (DoubleVector) bf.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector sum = zero;
            for (int m = 0; m < count; m++) {
                FloatVector difference = FloatVector.fromArray(F, models[m], i).sub(bf);
                DoubleVector v = ((DoubleVector) difference.convertShape(VectorOperators.F2D, D, 0)).mul(factors[m]);
                if (masks[m] != null) {
                    long bits = (masks[m][i >>> 6] >>> (i & 63)) & ((1L << LANES) - 1);
                    v = zero.blend(v, VectorMask.fromLong(D, bits));
                }
                weighted[m] = v;
                sum = sum.add(v);
            }
            DoubleVector mixed;
            if (elect) {
                VectorMask<Double> electedNegative = sum.compare(VectorOperators.LT, 0.0);
                mixed = zero;
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

    /** The reference loop over {@code [from, n)}: the tail that fills no whole vector. */
    private void combineTail(float[] base, float[][] models, long[][] masks, TaskVectorCombine combine, float[] out,
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
        scalar.combineTaskVectors(tailBase, tailModels, tailMasks, combine, tailOut);
        System.arraycopy(tailOut, 0, out, from, n);
    }

    void linearCombination(float[] a, double ca, float[] b, double cb, float[] out) {
        ReferenceBackend.checkSameLength(a.length, b.length);
        ReferenceBackend.checkSameLength(a.length, out.length);
        int i = 0;
        if (USABLE) {
            warm(Operation.LINEAR_COMBINATION);
            for (int end = out.length - out.length % LANES; i < end; i += LANES) {
                DoubleVector da = (DoubleVector) FloatVector.fromArray(F, a, i).convertShape(VectorOperators.F2D, D, 0);
                DoubleVector db = (DoubleVector) FloatVector.fromArray(F, b, i).convertShape(VectorOperators.F2D, D, 0);
                DoubleVector r = da.mul(ca).add(db.mul(cb));
                ((FloatVector) r.convertShape(VectorOperators.D2F, F, 0)).intoArray(out, i);
            }
        }
        for (; i < out.length; i++) {
            out[i] = (float) (ca * a[i] + cb * b[i]);
        }
    }
}
