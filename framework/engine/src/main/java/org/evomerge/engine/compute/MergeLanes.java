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
import org.evomerge.api.merge.TensorBlocks;
import org.evomerge.kernels.ElementMath;

/**
 * The merge operations of {@link VectorBackend} with the Vector API, several elements at a time. Every lane performs
 * the reference backend's operations in the same order, so masks, task vectors, combinations and combines give the
 * same bits as {@link ReferenceBackend}; only the L1 norms (double sums per lane, then the lanes in lane order) agree
 * within rounding. Shapes that do not fit (lanes not dividing 64) and tails fall back to the reference loops.
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

    /** The operations, for their warm-up flags. */
    enum Operation { RANDOM_MASK, MAGNITUDE_MASK, MAGNITUDE_RANK, COMBINE, LINEAR_COMBINATION }

    /** Each operation is warmed on its first use only: a merge pays for the operations it uses, never the others. */
    private static final KernelWarmup WARM = new KernelWarmup(Operation.values().length);

    private final ReferenceBackend scalar;

    MergeLanes(ReferenceBackend scalar) {
        this.scalar = scalar;
    }

    /**
     * Warms {@code operation} unless it is warm. The operations' callers ({@link VectorBackend}) check before calling,
     * never the operations themselves: the warm-up calls them directly, so the compiled operation holds no check
     * (the selection checks once per call, outside its per-block kernel {@code bracket}, which the warm-up runs).
     */
    void warm(Operation operation) {
        if (WARM.ready(operation.ordinal())) {
            return;
        }
        // Two sizes, alternately: with a tail (the last block of a tensor) and without (every other block). Like
        // everything else the calls vary (tie positions, bracket overflow, elections, masks), this lets the compiled
        // code see every branch: a branch first met on real data deoptimises the kernel back to the slow code.
        float[][] a = new float[2][];
        float[][] b = new float[2][];
        float[][] out = new float[2][];
        long[][] mask = new long[2][];
        for (int s = 0; s < 2; s++) {
            int n = WARM_ELEMENTS - 8 * s;
            a[s] = new float[n];
            b[s] = new float[n];
            out[s] = new float[n];
            mask[s] = new long[(n + 63) >>> 6];
            for (int i = 0; i < n; i++) {
                a[s][i] = (float) Math.sin(i);
                b[s][i] = (float) Math.cos(i);
            }
        }
        TaskVectorCombine[] combines = {
            new TaskVectorCombine(new double[] {1, 0.5}, new double[] {1, 0.5}, SignElection.SUM, true, 1.0),
            new TaskVectorCombine(new double[] {1, 0.5}, new double[] {1, 1}, SignElection.COUNT, true, 1.0),
            new TaskVectorCombine(new double[] {1, 0.5}, new double[] {1, 0.5}, SignElection.NONE, false, 0.5)};
        long[] calls = {0};
        Runnable call = switch (operation) {
            case RANDOM_MASK -> () -> {
                long c = calls[0]++;
                int s = (int) (c & 1);
                randomMask(c, 0, c, a[s], b[s], 0.5, mask[s]);
            };
            case MAGNITUDE_MASK -> () -> {
                long c = calls[0]++;
                int s = (int) (c & 1);
                magnitudeMask(a[s], b[s], c % 3 == 0 ? new MagnitudeRank(0.9f, (int) (c % 150)) : MagnitudeRank.NONE,
                        new MagnitudeRank(0.5f, (int) (c % 150)), mask[s]);
            };
            case MAGNITUDE_RANK -> () -> {
                long c = calls[0]++;
                int s = (int) (c & 1);
                float hi = c % 5 == 0 ? 0.25f : 0.75f;
                bracket(a[s], b[s], 0.25f, hi, new Brackets(0, c % 3 == 0 ? 8 : WARM_ELEMENTS, 1), 0);
            };
            case COMBINE -> () -> {
                long c = calls[0]++;
                int s = (int) (c & 1);
                int k = (int) (c % 3);
                long[][] masks = k == 0 ? new long[][] {mask[s], null} : k == 1 ? new long[][] {null, mask[s]}
                        : new long[][] {mask[s], mask[s]};
                combineTaskVectors(b[s], new float[][] {a[s], out[s]}, masks, combines[k], out[s]);
            };
            case LINEAR_COMBINATION -> () -> {
                int s = (int) (calls[0]++ & 1);
                linearCombination(a[s], 0.5, b[s], 0.5, out[s]);
            };
        };
        WARM.ensure(operation.ordinal(), WARM_ELEMENTS, call);
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
     * Whether a vector compress is one instruction (AVX-512, whose preferred vectors are 512 bits): there it copies a
     * bracket's elements fastest (17 against 12.5 ms for a 2048 x 5632 selection); elsewhere (AVX2) the Vector API
     * emulates it, and copying element by element from the mask bits is the fast way.
     */
    private static final boolean NATIVE_COMPRESS = F_FULL.vectorBitSize() >= 512;

    /**
     * Elements of |δ| sampled to bracket a position of the magnitude order: the bracket holds about 2 % of the tensor
     * (the candidates copied and selected among); its ends are found by selection, not by sorting the sample.
     */
    private static final int SAMPLE = 1 << 16;
    /** Half-width of the bracket in standard deviations of the sample quantile: a miss is far rarer than 1e-6. */
    private static final double BRACKET_SIGMAS = 5;
    /** Below this size the scalar selection is as fast and the sample is not worth drawing. */
    static final int BRACKET_MINIMUM = 1 << 18;

    /**
     * The magnitude-order positions of every model by a sampled bracket, exactly: a stratified sample of |δ| gives two
     * magnitudes [lo, hi] that hold the wanted one with overwhelming probability; one vector scan counts the elements
     * below, at, inside and above the bracket and copies the few inside (about 4 %) to a buffer; a selection among
     * those gives the threshold. When the cut falls among equal magnitudes (bf16 checkpoints have many), the counts
     * kept per block say which block holds the tie, and only that block is read again. The scalar radix selection it
     * replaces took two scalar histogram passes over δ per model and was a fifth of a TIES merge. When the bracket
     * misses, or δ holds NaN, the scalar selection runs, so the result is always {@link MagnitudeSelection}'s.
     * Scans: one for the sample, one for the brackets, for all models together.
     */
    MagnitudeRank[] magnitudeRanks(TensorBlocks blocks, int[] positions) {
        int models = blocks.modelCount();
        long n = blocks.elementCount();
        if (n < BRACKET_MINIMUM) {
            return MagnitudeSelection.ranks(blocks, positions);
        }
        MagnitudeRank[] ranks = new MagnitudeRank[models];
        int[] fallback = new int[models]; // positions for the scalar selection, 0 (= NONE, no work) where not needed
        boolean anyFallback = false;
        boolean[] active = new boolean[models];
        if (!MagnitudeSelection.needSelection(blocks, positions, ranks, active)) {
            return ranks;
        }
        warm(Operation.MAGNITUDE_RANK);
        float[][] samples = sample(blocks, active);
        Bounds[] bounds = new Bounds[models];
        for (int m = 0; m < models; m++) {
            if (active[m]) {
                bounds[m] = Bounds.of(samples[m], n - 1 - positions[m], n);
                if (bounds[m] == null) {
                    active[m] = false;
                    fallback[m] = positions[m];
                    anyFallback = true;
                }
            }
        }
        Brackets[] brackets = brackets(blocks, active, bounds);
        float[] thresholds = new float[models];
        for (int m = 0; m < models; m++) {
            if (!active[m]) {
                continue;
            }
            MagnitudeRank rank = brackets[m].rank(bounds[m], positions[m], n, blocks);
            if (rank == null) {
                fallback[m] = positions[m];
                anyFallback = true;
            } else {
                ranks[m] = rank;
            }
        }
        if (anyFallback) {
            MagnitudeRank[] exact = MagnitudeSelection.ranks(blocks, fallback);
            for (int m = 0; m < models; m++) {
                if (fallback[m] > 0) {
                    ranks[m] = exact[m];
                }
            }
        }
        return ranks;
    }

    /**
     * Each thread's buffers for the elements inside a bracket, one per model, grown on demand and reused: fresh ones
     * (a few megabytes per tensor and model) showed up as garbage-collection work and page faults in TIES merges.
     * They go with their thread (a merge's workers end with the merge).
     */
    private static final ThreadLocal<float[][]> CANDIDATES = ThreadLocal.withInitial(() -> new float[0][]);

    private static float[] candidates(int model, int length) {
        float[][] buffers = CANDIDATES.get();
        if (buffers.length <= model) {
            buffers = java.util.Arrays.copyOf(buffers, model + 1);
            CANDIDATES.set(buffers);
        }
        if (buffers[model] == null || buffers[model].length < length) {
            buffers[model] = new float[length];
        }
        return buffers[model];
    }

    /**
     * A bracket [lo, hi] of magnitudes that holds ascending rank k of n with overwhelming probability, from a sorted
     * sample of |δ|, and a generous bound on how many elements fall inside it.
     */
    private record Bounds(float lo, float hi, int capacity) {

        /**
         * The bracket around ascending rank {@code k}, or {@code null} when the sample meets NaN; {@code sample} (not
         * sorted) is permuted.
         */
        static Bounds of(float[] sample, long k, long n) {
            double q = (k + 0.5) / n;
            int margin = (int) Math.ceil(BRACKET_SIGMAS * Math.sqrt(SAMPLE * q * (1 - q))) + 2;
            int center = (int) (q * SAMPLE);
            int loIndex = center - margin;
            int hiIndex = center + margin;
            float lo = loIndex <= 0 ? 0f : MagnitudeSelection.kthSmallest(sample, SAMPLE, loIndex);
            float hi = hiIndex >= SAMPLE - 1 ? Float.POSITIVE_INFINITY
                    : MagnitudeSelection.kthSmallest(sample, SAMPLE, hiIndex);
            if (Float.isNaN(lo) || Float.isNaN(hi)) {
                return null;
            }
            int capacity = (int) Math.min(n, 2L * n * (Math.min(hiIndex, SAMPLE) - Math.max(loIndex, 0) + 1) / SAMPLE
                    + 4096);
            return new Bounds(lo, hi, capacity);
        }
    }

    /**
     * |δ| of every active model at one element per stratum of n / SAMPLE, at a pseudo-random offset (unbiased whatever
     * the row structure), sorted; one scan.
     */
    private static float[][] sample(TensorBlocks blocks, boolean[] active) {
        long n = blocks.elementCount();
        long stride = n / SAMPLE;
        long[] at = new long[SAMPLE];
        long bits = n;
        for (int j = 0; j < SAMPLE; j++) {
            bits = bits * 6364136223846793005L + 1442695040888963407L;
            at[j] = j * stride + (((bits >>> 33) * stride) >>> 31);
        }
        float[][] samples = new float[active.length][];
        for (int m = 0; m < active.length; m++) {
            samples[m] = active[m] ? new float[SAMPLE] : null;
        }
        int[] next = {0};
        blocks.scan(0, block -> {
            long end = block.offset() + block.length();
            int j = next[0];
            for (; j < SAMPLE && at[j] < end; j++) {
                int i = (int) (at[j] - block.offset());
                for (int m = 0; m < samples.length; m++) {
                    if (samples[m] != null) {
                        samples[m][j] = Math.abs(block.models()[m][i] - block.base()[i]);
                    }
                }
            }
            next[0] = j;
            return j < SAMPLE;
        });
        return samples;
    }

    /**
     * One model's counts of |δ| against its bracket [lo, hi] over the whole tensor, with the elements at the ends
     * counted per block and the first of each block's candidates: enough to find which block holds a tie.
     */
    private static final class Brackets {
        final int model;
        final float[] candidates;
        final int capacity;
        final int[] atLoPerBlock;
        final int[] atHiPerBlock;
        final int[] firstCandidate;
        long below;
        long atLo;
        long inside;
        long atHi;
        long above;

        Brackets(int model, int capacity, int blocks) {
            this.model = model;
            this.capacity = capacity;
            this.candidates = candidates(model, capacity + F_FULL.length());
            this.atLoPerBlock = new int[blocks];
            this.atHiPerBlock = new int[blocks];
            this.firstCandidate = new int[blocks + 1];
        }

        /** The rank at {@code position}, or {@code null} when the bracket missed or δ holds NaN. */
        MagnitudeRank rank(Bounds bounds, int position, long n, TensorBlocks blocks) {
            if (below + atLo + inside + atHi + above != n || inside > capacity) {
                return null; // NaN, or more inside than the buffer holds
            }
            float lo = bounds.lo();
            float hi = bounds.hi();
            // Ascending: [below] < lo, [atLo] = lo, [inside] strictly between, [atHi] = hi, [above] > hi.
            long rank = n - 1 - position - below;
            int inCount = (int) inside;
            float threshold;
            if (rank < 0) {
                return null;
            } else if (rank < atLo) {
                threshold = lo;
            } else if ((rank -= atLo) < inside) {
                float[] work = java.util.Arrays.copyOf(candidates, inCount); // the selection permutes
                threshold = MagnitudeSelection.kthSmallest(work, inCount, (int) rank);
            } else if ((rank -= inside) < atHi) {
                threshold = hi;
            } else {
                return null;
            }
            long greater = above + (threshold < hi ? atHi : 0);
            for (int c = 0; c < inCount; c++) {
                if (candidates[c] > threshold) {
                    greater++;
                }
            }
            int needed = (int) (position - greater);
            if (needed == 0) {
                return new MagnitudeRank(threshold, 0);
            }
            // The block holding the needed-th element of this magnitude, and how many come before it there.
            int block;
            int before = 0;
            if (threshold == lo || threshold == hi) {
                int[] perBlock = threshold == lo ? atLoPerBlock : atHiPerBlock;
                block = 0;
                while (before + perBlock[block] <= needed) {
                    before += perBlock[block++];
                }
            } else {
                int seen = 0;
                int c = 0;
                while (true) {
                    if (candidates[c] == threshold && seen++ == needed) {
                        break;
                    }
                    c++;
                }
                block = 0;
                while (firstCandidate[block + 1] <= c) {
                    block++;
                }
                for (int d = 0; d < firstCandidate[block]; d++) {
                    if (candidates[d] == threshold) {
                        before++;
                    }
                }
            }
            return new MagnitudeRank(threshold, tieInBlock(blocks, block, threshold, needed - before));
        }

        /** The index of the {@code needed}-th element of magnitude {@code threshold} in block {@code block}. */
        private int tieInBlock(TensorBlocks blocks, int block, float threshold, int needed) {
            int[] found = {-1};
            blocks.scan(block, b -> {
                float[] x = b.models()[model];
                float[] base = b.base();
                int seen = 0;
                for (int i = 0; i < x.length; i++) {
                    if (Math.abs(x[i] - base[i]) == threshold && seen++ == needed) {
                        found[0] = Math.toIntExact(b.offset() + i);
                        break;
                    }
                }
                return false;
            });
            if (found[0] < 0) {
                throw new IllegalStateException("magnitude selection is inconsistent (non-finite values?)");
            }
            return found[0];
        }
    }

    /** One scan counting every active model's |δ| against its bracket. */
    private static Brackets[] brackets(TensorBlocks blocks, boolean[] active, Bounds[] bounds) {
        int models = active.length;
        Brackets[] brackets = new Brackets[models];
        boolean any = false;
        for (int m = 0; m < models; m++) {
            if (active[m]) {
                brackets[m] = new Brackets(m, bounds[m].capacity(), blocks.blockCount());
                any = true;
            }
        }
        if (!any) {
            return brackets;
        }
        blocks.scan(0, block -> {
            for (int m = 0; m < models; m++) {
                Brackets br = brackets[m];
                if (br == null) {
                    continue;
                }
                br.firstCandidate[block.index()] = (int) Math.min(br.inside, Integer.MAX_VALUE);
                bracket(block.models()[m], block.base(), bounds[m].lo(), bounds[m].hi(), br, block.index());
                br.firstCandidate[block.index() + 1] = (int) Math.min(br.inside, Integer.MAX_VALUE);
            }
            return true;
        });
        return brackets;
    }

    /**
     * Counts one block's |δ| against [lo, hi] into {@code into}: below, equal to lo, strictly inside, equal to hi
     * (only counted when hi ≠ lo), above; NaN counts in none. Magnitudes at the ends are counted, not copied (in bf16
     * checkpoints one magnitude can be several per cent of a tensor); those strictly inside are copied to the
     * candidates while they fit ({@code candidates} has one vector of slack beyond the capacity).
     */
    private static void bracket(float[] x, float[] base, float lo, float hi, Brackets into, int block) {
        int n = x.length;
        boolean distinctEnds = hi != lo;
        float[] candidates = into.candidates;
        int capacity = into.capacity;
        long inside = into.inside;
        int below = 0;
        int atLo = 0;
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
                    int at = (int) inside;
                    if (NATIVE_COMPRESS) {
                        m.compress(in).intoArray(candidates, at);
                    } else {
                        for (; inBits != 0; inBits &= inBits - 1) {
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
                    candidates[(int) inside] = m;
                }
                inside++;
            }
        }
        into.inside = inside;
        into.below += below;
        into.above += above;
        into.atLo += atLo;
        into.atHi += atHi;
        into.atLoPerBlock[block] = atLo;
        into.atHiPerBlock[block] = atHi;
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

    MaskNorms randomMask(long seed, long stream, long first, float[] x, float[] base, double density, long[] mask) {
        int n = ReferenceBackend.checkMask(x, base, mask);
        if (!USABLE) {
            return scalar.randomMask(seed, stream, first, x, base, density, mask);
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
