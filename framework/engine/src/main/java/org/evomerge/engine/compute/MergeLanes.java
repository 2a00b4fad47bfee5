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
    /** 1 << lane in each lane: tests a mask word's bits lane by lane. */
    private static final long[] LANE_BITS = new long[LANES];

    static {
        for (int i = 0; i < LANES; i++) {
            IOTA_PLUS_ONE[i] = i + 1;
            LANE_BITS[i] = 1L << i;
        }
    }

    /** Elements of a warm-up call: two whole mask words and a tail, so every loop runs. */
    private static final int WARM_ELEMENTS = 136;
    private static final int WARM_CALLS = 2_000;

    /** The operations, for their warm-up flags. */
    private enum Operation { RANDOM_MASK, MAGNITUDE_MASK, MAGNITUDE_RANK, COMBINE, LINEAR_COMBINATION }

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
                    case MAGNITUDE_RANK -> {
                        float[] candidates = new float[WARM_ELEMENTS + F_FULL.length()];
                        if (call % 16 == 0) {
                            sample(new float[SAMPLE], new float[SAMPLE]);
                        }
                        bracket(a, b, 0.25f, 0.75f, candidates, WARM_ELEMENTS);
                        tieIndex(a, b, Math.abs(a[WARM_ELEMENTS - 1] - b[WARM_ELEMENTS - 1]), 0);
                    }
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

    /**
     * Whether a vector compress is one instruction (AVX-512, whose preferred vectors are 512 bits): there it copies a
     * bracket's elements fastest (17 against 12.5 ms for a 2048 x 5632 selection); elsewhere (AVX2) the Vector API
     * emulates it, and copying element by element from the mask bits is the fast way.
     */
    private static final boolean NATIVE_COMPRESS = F_FULL.vectorBitSize() >= 512;

    /** Elements of |δ| sampled to bracket a position of the magnitude order. */
    private static final int SAMPLE = 1 << 14;
    /** Half-width of the bracket in standard deviations of the sample quantile: a miss is far rarer than 1e-6. */
    private static final double BRACKET_SIGMAS = 5;
    /** Below this size the scalar selection is as fast and the sample is not worth drawing. */
    static final int BRACKET_MINIMUM = 1 << 18;

    /**
     * The magnitude-order position by a sampled bracket, exactly: a stratified sample of |δ| gives two magnitudes
     * [lo, hi] that hold the wanted one with overwhelming probability; one vector pass counts the elements below,
     * inside and above the bracket and copies the few inside (about 4 %) to a buffer; a selection among those gives
     * the threshold; a vector count finds the tie index only when the cut falls among equal magnitudes (bf16
     * checkpoints have many). The scalar radix selection it replaces took two scalar histogram passes over δ per
     * model and was a fifth of a TIES merge. When the bracket misses, or δ holds NaN, the scalar selection runs, so
     * the result is always {@link MagnitudeSelection}'s.
     */
    MagnitudeRank magnitudeRank(float[] x, float[] base, int position) {
        ReferenceBackend.checkSameLength(x.length, base.length);
        int n = x.length;
        if (position <= 0) {
            return MagnitudeRank.NONE;
        }
        if (position >= n) {
            return MagnitudeRank.ALL;
        }
        if (n < BRACKET_MINIMUM) {
            return MagnitudeSelection.rank(x, base, position);
        }
        warm(Operation.MAGNITUDE_RANK);
        int k = n - 1 - position; // ascending rank of the element at descending position `position`
        Bounds bounds = Bounds.of(sample(x, base), k, n);
        if (bounds == null) {
            return MagnitudeSelection.rank(x, base, position);
        }
        float lo = bounds.lo();
        float hi = bounds.hi();
        int capacity = bounds.capacity();
        float[] candidates = candidates(capacity + F_FULL.length());
        Bracket counts = bracket(x, base, lo, hi, candidates, capacity);
        if ((long) counts.below() + counts.atLo() + counts.inside() + counts.atHi() + counts.above() != n // NaN
                || counts.inside() > capacity) {
            return MagnitudeSelection.rank(x, base, position);
        }
        // Ascending: [below] < lo, [atLo] = lo, [inside] strictly between, [atHi] = hi, [above] > hi.
        int rank = k - counts.below();
        float threshold;
        if (rank < 0) {
            return MagnitudeSelection.rank(x, base, position);
        } else if (rank < counts.atLo()) {
            threshold = lo;
        } else if ((rank -= counts.atLo()) < counts.inside()) {
            threshold = MagnitudeSelection.kthSmallest(candidates, counts.inside(), rank);
        } else if ((rank -= counts.inside()) < counts.atHi()) {
            threshold = hi;
        } else {
            return MagnitudeSelection.rank(x, base, position);
        }
        int greater = counts.above() + (threshold < hi ? counts.atHi() : 0);
        for (int c = 0; c < counts.inside(); c++) {
            if (candidates[c] > threshold) {
                greater++;
            }
        }
        int needed = position - greater;
        return new MagnitudeRank(threshold, needed == 0 ? 0 : tieIndex(x, base, threshold, needed));
    }

    /**
     * Each thread's buffer for the elements inside a bracket, grown on demand and reused: a fresh one (a few megabytes
     * per tensor and model) showed up as garbage-collection work and page faults in TIES merges. It goes with its
     * thread (a merge's workers end with the merge).
     */
    private static final ThreadLocal<float[]> CANDIDATES = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] candidates(int length) {
        float[] buffer = CANDIDATES.get();
        if (buffer.length < length) {
            buffer = new float[length];
            CANDIDATES.set(buffer);
        }
        return buffer;
    }

    /**
     * A bracket [lo, hi] of magnitudes that holds ascending rank k of n with overwhelming probability, from a sorted
     * sample of |δ|, and a generous bound on how many elements fall inside it.
     */
    private record Bounds(float lo, float hi, int capacity) {

        /** The bracket around ascending rank {@code k}, or {@code null} when the sample meets NaN. */
        static Bounds of(float[] sample, int k, int n) {
            double q = (k + 0.5) / n;
            int margin = (int) Math.ceil(BRACKET_SIGMAS * Math.sqrt(SAMPLE * q * (1 - q))) + 2;
            int center = (int) (q * SAMPLE);
            int loIndex = center - margin;
            int hiIndex = center + margin;
            float lo = loIndex <= 0 ? 0f : sample[loIndex];
            float hi = hiIndex >= SAMPLE - 1 ? Float.POSITIVE_INFINITY : sample[hiIndex];
            if (Float.isNaN(lo) || Float.isNaN(hi)) {
                return null;
            }
            int capacity = (int) Math.min(n, 2L * n * (Math.min(hiIndex, SAMPLE) - Math.max(loIndex, 0) + 1) / SAMPLE
                    + 4096);
            return new Bounds(lo, hi, capacity);
        }
    }

    /** |δ| at one element per stratum of n / SAMPLE, at a pseudo-random offset (unbiased whatever the row structure), sorted. */
    private static float[] sample(float[] x, float[] base) {
        float[] sample = new float[SAMPLE];
        int stride = x.length / SAMPLE;
        long bits = x.length;
        for (int j = 0; j < SAMPLE; j++) {
            bits = bits * 6364136223846793005L + 1442695040888963407L;
            int i = j * stride + (int) (((bits >>> 33) * stride) >>> 31);
            sample[j] = Math.abs(x[i] - base[i]);
        }
        java.util.Arrays.sort(sample);
        return sample;
    }

    /**
     * Elements of |δ| below a bracket [lo, hi], equal to lo, strictly inside, equal to hi (only counted when
     * hi ≠ lo), and above; NaN counts in none. Magnitudes at the ends are counted, not copied: in bf16 checkpoints
     * one magnitude can be several per cent of a tensor.
     */
    private record Bracket(int below, int atLo, int inside, int atHi, int above) {
    }

    /**
     * Counts |δ| against [lo, hi] and copies the magnitudes strictly inside to {@code candidates} while they fit in
     * {@code capacity} ({@code candidates} has one vector of slack beyond it).
     */
    private static Bracket bracket(float[] x, float[] base, float lo, float hi, float[] candidates, int capacity) {
        int n = x.length;
        boolean distinctEnds = hi != lo;
        int below = 0;
        int atLo = 0;
        int inside = 0;
        int atHi = 0;
        int above = 0;
        int i = 0;
        for (int bound = F_FULL.loopBound(n); i < bound; i += F_FULL.length()) {
            FloatVector m = FloatVector.fromArray(F_FULL, x, i).sub(FloatVector.fromArray(F_FULL, base, i))
                    .lanewise(VectorOperators.ABS);
            below += m.compare(VectorOperators.LT, lo).trueCount();
            above += m.compare(VectorOperators.GT, hi).trueCount();
            atLo += m.compare(VectorOperators.EQ, lo).trueCount();
            if (distinctEnds) {
                atHi += m.compare(VectorOperators.EQ, hi).trueCount();
            }
            VectorMask<Float> in = m.compare(VectorOperators.GT, lo).and(m.compare(VectorOperators.LT, hi));
            long inBits = in.toLong();
            if (inBits != 0) {
                int c = Long.bitCount(inBits);
                if (inside + c <= capacity) {
                    if (NATIVE_COMPRESS) {
                        m.compress(in).intoArray(candidates, inside);
                    } else {
                        for (int at = inside; inBits != 0; inBits &= inBits - 1) {
                            int index = i + Long.numberOfTrailingZeros(inBits);
                            candidates[at++] = Math.abs(x[index] - base[index]);
                        }
                    }
                }
                inside += c;
            }
        }
        for (; i < n; i++) {
            float m = Math.abs(x[i] - base[i]);
            if (m < lo) {
                below++;
            } else if (m > hi) {
                above++;
            } else if (m == lo) {
                atLo++;
            } else if (m == hi) {
                atHi++;
            } else if (m > lo && m < hi) {
                if (inside < capacity) {
                    candidates[inside] = m;
                }
                inside++;
            }
        }
        return new Bracket(below, atLo, inside, atHi, above);
    }

    /** The index of the {@code needed}-th (0-based) element of magnitude {@code threshold}, counted lane-wise. */
    private static int tieIndex(float[] x, float[] base, float threshold, int needed) {
        int seen = 0;
        int i = 0;
        for (int bound = F_FULL.loopBound(x.length); i < bound; i += F_FULL.length()) {
            FloatVector m = FloatVector.fromArray(F_FULL, x, i).sub(FloatVector.fromArray(F_FULL, base, i))
                    .lanewise(VectorOperators.ABS);
            int c = m.compare(VectorOperators.EQ, threshold).trueCount();
            if (seen + c > needed) {
                break;
            }
            seen += c;
        }
        return MagnitudeSelection.tieIndex(x, base, threshold, needed - seen, i);
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
     * The combine lane-wise, for every election. A dropped element contributes +0.0 where the reference has 0.0 too,
     * so sums, votes, elections and agreement are the same. The weighted deltas are computed again in the agreement
     * loop instead of being kept in an array of vectors: an array makes the JIT box every vector, which ran this loop
     * through the Vector API's scalar fallback (30 times slower, and it was most of a TIES merge's time); the second
     * loads hit the L1 cache.
     */
    void combineTaskVectors(float[] base, float[][] models, long[][] masks, TaskVectorCombine combine, float[] out) {
        ReferenceBackend.checkCombine(base, models, masks, combine, out);
        if (!USABLE || models.length == 0) {
            scalar.combineTaskVectors(base, models, masks, combine, out);
            return;
        }
        warm(Operation.COMBINE);
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
        LongVector laneBits = LongVector.fromArray(L, LANE_BITS, 0);
        int end = out.length - out.length % LANES;
        DoubleVector zero = DoubleVector.zero(D);
        for (int i = 0; i < end; i += LANES) {
            FloatVector bf = FloatVector.fromArray(F, base, i);
            DoubleVector b = (DoubleVector) bf.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector sum = zero;
            DoubleVector votes = zero;
            for (int m = 0; m < count; m++) {
                DoubleVector v = weighted(models[m], masks[m], factors[m], bf, i, laneBits);
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
                    DoubleVector v = weighted(models[m], masks[m], factors[m], bf, i, laneBits);
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
    private static DoubleVector weighted(float[] model, long[] mask, double factor, FloatVector base, int i,
                                         LongVector laneBits) {
        FloatVector difference = FloatVector.fromArray(F, model, i).sub(base);
        DoubleVector v = ((DoubleVector) difference.convertShape(VectorOperators.F2D, D, 0)).mul(factor);
        if (mask == null) {
            return v;
        }
        // The mask's bits for these lanes as a vector mask: each lane tests its own bit of the word.
        VectorMask<Double> kept = laneBits.and(mask[i >>> 6] >>> (i & 63)).compare(VectorOperators.NE, 0L).cast(D);
        return DoubleVector.zero(D).blend(v, kept);
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
