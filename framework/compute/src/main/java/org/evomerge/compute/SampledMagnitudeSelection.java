package org.evomerge.compute;

import static org.evomerge.compute.LaneShapes.F_FULL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.tensor.TensorBlocks;

/**
 * The exact magnitude-order selection of TIES-like trims ({@code TaskVectorOperations.magnitudeRanks}) by a sampled
 * bracket and the Vector API: the same ranks as {@link MagnitudeSelection}, which it falls back to for small tensors,
 * NaN and the rare bracket that misses.
 */
final class SampledMagnitudeSelection {

    private SampledMagnitudeSelection() {
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
    static MagnitudeRank[] ranks(TensorBlocks blocks, int[] positions) {
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
        TaskVectorWarmup.warm(TaskVectorWarmup.Operation.MAGNITUDE_RANK);
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
    static final class Brackets {
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
    static void bracket(float[] x, float[] base, float lo, float hi, Brackets into, int block) {
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
}
