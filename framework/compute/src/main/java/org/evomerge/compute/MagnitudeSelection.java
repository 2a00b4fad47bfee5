package org.evomerge.compute;

import java.util.Arrays;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.tensor.TensorBlocks;

/**
 * Exact selection in the magnitude order of a task vector δ = x − base (|δ| descending, equal magnitudes by index
 * ascending), in scalar Java: {@link ReferenceBackend#magnitudeRanks} and the fallback of the vector backend's faster
 * selection. The position's rank is the pair (threshold t, tie index j) of the element there; an element (m, i)
 * ranks before it iff m &gt; t, or m = t and i &lt; j, so exactly {@code position} elements do whatever the ties
 * (mergekit sorts with {@code torch.argsort}, whose order among equal values is unspecified).
 *
 * <p>It works on tensors streamed in blocks ({@link TensorBlocks}; arrays are one block), so it never needs an array
 * of the tensor's size. Cost: an expected O(n) — from tensors of {@value #RADIX_MINIMUM} elements a two-scan radix
 * selection on |δ| computed on the fly, below that or for non-finite δ a three-way quickselect on a |δ| array (runs of
 * equal magnitudes such as untouched zeros cost nothing extra; it sorts the remaining range if pivots keep failing),
 * then one more scan, stopped at the element, for the tie index only when the cut falls among equal magnitudes.
 * Every model of the tensor is selected in the same scans. Never a full sort.
 */
final class MagnitudeSelection {

    /** Below this size the histograms cost more than partitioning. */
    static final int RADIX_MINIMUM = 1 << 16;

    private MagnitudeSelection() {
    }

    /** The rank of position {@code position} of the magnitude order of {@code x − base}. */
    static MagnitudeRank rank(float[] x, float[] base, int position) {
        return ranks(ArrayBlocks.whole(new float[][] {x}, base), new int[] {position})[0];
    }

    /** The rank at {@code positions[m]} of the magnitude order of {@code models[m] − base}, for every model. */
    static MagnitudeRank[] ranks(TensorBlocks blocks, int[] positions) {
        int models = blocks.modelCount();
        long n = blocks.elementCount();
        MagnitudeRank[] ranks = new MagnitudeRank[models];
        boolean[] active = new boolean[models];
        if (!needSelection(blocks, positions, ranks, active)) {
            return ranks;
        }
        if (n < RADIX_MINIMUM) {
            for (int m = 0; m < models; m++) {
                if (active[m]) {
                    ranks[m] = rankOf(magnitudes(blocks, m), positions[m]);
                }
            }
            return ranks;
        }
        radixRanks(blocks, positions, active, ranks);
        return ranks;
    }

    /**
     * Settles the positions that need no selection ({@code NONE} for ≤ 0, {@code ALL} for ≥ n) in {@code ranks} and
     * marks the others {@code active}; whether any is.
     */
    static boolean needSelection(TensorBlocks blocks, int[] positions, MagnitudeRank[] ranks, boolean[] active) {
        if (positions.length != blocks.modelCount()) {
            throw new IllegalArgumentException(positions.length + " positions for " + blocks.modelCount() + " models");
        }
        boolean any = false;
        for (int m = 0; m < positions.length; m++) {
            if (positions[m] <= 0) {
                ranks[m] = MagnitudeRank.NONE;
            } else if (positions[m] >= blocks.elementCount()) {
                ranks[m] = MagnitudeRank.ALL;
            } else {
                active[m] = any = true;
            }
        }
        return any;
    }

    /**
     * The radix selection of {@link #radixSelect} on |δ| computed on the fly, for the active models; a model with
     * non-finite δ goes through {@link #rankOf} instead.
     */
    private static void radixRanks(TensorBlocks blocks, int[] positions, boolean[] active, MagnitudeRank[] ranks) {
        int models = positions.length;
        long n = blocks.elementCount();
        int[][] counts = new int[models][];
        for (int m = 0; m < models; m++) {
            counts[m] = active[m] ? new int[1 << 16] : null;
        }
        blocks.scan(0, block -> {
            for (int m = 0; m < models; m++) {
                if (active[m]) {
                    float[] x = block.models()[m];
                    float[] b = block.base();
                    int[] c = counts[m];
                    for (int i = 0; i < x.length; i++) {
                        c[Float.floatToRawIntBits(Math.abs(x[i] - b[i])) >>> 16]++;
                    }
                }
            }
            return true;
        });
        int[] bucket = new int[models];
        int[] rank = new int[models];
        long[] greater = new long[models];
        boolean any = false;
        for (int m = 0; m < models; m++) {
            if (!active[m]) {
                continue;
            }
            int[] c = counts[m];
            boolean finite = true;
            for (int b = 0x7F80; b < 0x8000; b++) {
                finite &= c[b] == 0; // infinity or NaN
            }
            if (!finite) {
                active[m] = false;
                ranks[m] = rankOf(magnitudes(blocks, m), positions[m]);
                continue;
            }
            long k = n - 1 - positions[m]; // ascending rank of the element at descending position `position`
            int at = 0;
            long below = 0;
            while (below + c[at] <= k) {
                below += c[at++];
            }
            bucket[m] = at;
            greater[m] = n - below - c[at];
            rank[m] = (int) (k - below);
            java.util.Arrays.fill(c, 0);
            any = true;
        }
        if (!any) {
            return;
        }
        blocks.scan(0, block -> {
            for (int m = 0; m < models; m++) {
                if (active[m]) {
                    float[] x = block.models()[m];
                    float[] b = block.base();
                    int[] c = counts[m];
                    int high = bucket[m];
                    for (int i = 0; i < x.length; i++) {
                        int bits = Float.floatToRawIntBits(Math.abs(x[i] - b[i]));
                        if ((bits >>> 16) == high) {
                            c[bits & 0xFFFF]++;
                        }
                    }
                }
            }
            return true;
        });
        float[] thresholds = new float[models];
        int[] needed = new int[models];
        for (int m = 0; m < models; m++) {
            if (!active[m]) {
                continue;
            }
            int[] c = counts[m];
            int r = rank[m];
            int low = 0;
            while (c[low] <= r) {
                r -= c[low++];
            }
            long above = greater[m];
            for (int l = low + 1; l < c.length; l++) {
                above += c[l];
            }
            thresholds[m] = Float.intBitsToFloat((bucket[m] << 16) | low);
            needed[m] = (int) (positions[m] - above);
        }
        int[] ties = tieIndices(blocks, active, thresholds, needed, 0);
        for (int m = 0; m < models; m++) {
            if (active[m]) {
                ranks[m] = new MagnitudeRank(thresholds[m], ties[m]);
            }
        }
    }

    /**
     * For each active model, the index of its {@code needed[m]}-th (0-based) element of magnitude
     * {@code thresholds[m]}, counting from block {@code fromBlock}; 0 where {@code needed[m]} is 0 (the cut falls
     * after every element of that magnitude: no scan). One scan, stopped once every index is found.
     */
    static int[] tieIndices(TensorBlocks blocks, boolean[] active, float[] thresholds, int[] needed, int fromBlock) {
        int models = active.length;
        int[] ties = new int[models];
        int[] seen = new int[models];
        boolean[] searching = new boolean[models];
        int[] open = {0};
        for (int m = 0; m < models; m++) {
            if (active[m] && needed[m] > 0) {
                searching[m] = true;
                open[0]++;
            }
        }
        if (open[0] == 0) {
            return ties;
        }
        blocks.scan(fromBlock, block -> {
            for (int m = 0; m < models; m++) {
                if (!searching[m]) {
                    continue;
                }
                float[] x = block.models()[m];
                float[] b = block.base();
                float t = thresholds[m];
                for (int i = 0; i < x.length; i++) {
                    if (Math.abs(x[i] - b[i]) == t && seen[m]++ == needed[m]) {
                        ties[m] = Math.toIntExact(block.offset() + i);
                        searching[m] = false;
                        open[0]--;
                        break;
                    }
                }
            }
            return open[0] > 0;
        });
        if (open[0] > 0) {
            throw new IllegalStateException("magnitude selection is inconsistent (non-finite values?)");
        }
        return ties;
    }

    /** |δ| of model {@code m} as one array (small tensors, non-finite δ). */
    private static float[] magnitudes(TensorBlocks blocks, int m) {
        float[] magnitudes = new float[Math.toIntExact(blocks.elementCount())];
        blocks.scan(0, block -> {
            float[] x = block.models()[m];
            float[] b = block.base();
            int at = (int) block.offset();
            for (int i = 0; i < x.length; i++) {
                magnitudes[at + i] = Math.abs(x[i] - b[i]);
            }
            return true;
        });
        return magnitudes;
    }

    /** The rank at {@code position} (0 &lt; position &lt; n) of magnitudes given in index order, by quickselect. */
    private static MagnitudeRank rankOf(float[] magnitudes, int position) {
        int n = magnitudes.length;
        // The element at descending position p is the (n-1-p)-th smallest.
        float threshold = quickselect(magnitudes.clone(), n, n - 1 - position);
        int greater = 0;
        for (float m : magnitudes) {
            if (m > threshold) {
                greater++;
            }
        }
        int needed = position - greater;
        if (needed == 0) {
            return new MagnitudeRank(threshold, 0);
        }
        int seen = 0;
        for (int i = 0; i < n; i++) {
            if (magnitudes[i] == threshold && seen++ == needed) {
                return new MagnitudeRank(threshold, i);
            }
        }
        throw new IllegalStateException("magnitude selection is inconsistent (non-finite values?)");
    }

    /**
     * The {@code k}-th smallest (0-based) of {@code values[0..n)}, which it may permute. Radix selection for large
     * non-negative finite arrays, else three-way partitioning around a median-of-three pivot; after a logarithmic
     * number of rounds without convergence the remaining range is sorted, which bounds the worst case by O(n log n).
     */
    static float kthSmallest(float[] values, int n, int k) {
        if (k < 0 || k >= n) {
            throw new IllegalArgumentException("k " + k + " outside [0, " + n + ")");
        }
        if (n >= RADIX_MINIMUM) {
            float selected = radixSelect(values, n, k);
            if (!Float.isNaN(selected)) {
                return selected;
            }
        }
        return quickselect(values, n, k);
    }

    /**
     * Selection by the bits of non-negative floats, whose raw bits order like the numbers: a histogram of the top 16
     * bits finds the bucket holding the k-th smallest, a second one of the low 16 bits within it finds the value.
     * Two linear, branch-light passes instead of several partitioning rounds. Returns NaN, leaving the work to the
     * quickselect, when a value is negative or NaN. The array is not modified.
     */
    static float radixSelect(float[] values, int n, int k) {
        int[] counts = new int[1 << 16];
        for (int i = 0; i < n; i++) {
            counts[Float.floatToRawIntBits(values[i]) >>> 16]++;
        }
        // Sign bit set (negative, -0.0 or negative NaN) or positive NaN exponents: not for this path.
        for (int b = 0x7F80; b < counts.length; b++) {
            if (counts[b] != 0 && (b >= 0x8000 || b > 0x7F80 || (b == 0x7F80 && hasNaN(values, n)))) {
                return Float.NaN;
            }
        }
        int bucket = 0;
        int before = 0;
        while (before + counts[bucket] <= k) {
            before += counts[bucket++];
        }
        int rank = k - before;
        Arrays.fill(counts, 0);
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(values[i]);
            if ((bits >>> 16) == bucket) {
                counts[bits & 0xFFFF]++;
            }
        }
        int low = 0;
        while (counts[low] <= rank) {
            rank -= counts[low++];
        }
        return Float.intBitsToFloat((bucket << 16) | low);
    }

    private static boolean hasNaN(float[] values, int n) {
        for (int i = 0; i < n; i++) {
            if (Float.isNaN(values[i])) {
                return true;
            }
        }
        return false;
    }

    private static float quickselect(float[] values, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        int rounds = 2 * (32 - Integer.numberOfLeadingZeros(n)) + 8;
        while (hi > lo) {
            if (rounds-- == 0) {
                Arrays.sort(values, lo, hi + 1);
                return values[k];
            }
            float pivot = median(values[lo], values[lo + ((hi - lo) >>> 1)], values[hi]);
            // Invariant: [lo, lt) < pivot, [lt, i) == pivot, (gt, hi] > pivot.
            int lt = lo;
            int i = lo;
            int gt = hi;
            while (i <= gt) {
                float v = values[i];
                if (v < pivot) {
                    values[i++] = values[lt];
                    values[lt++] = v;
                } else if (v > pivot) {
                    values[i] = values[gt];
                    values[gt--] = v;
                } else {
                    i++;
                }
            }
            if (k < lt) {
                hi = lt - 1;
            } else if (k > gt) {
                lo = gt + 1;
            } else {
                return pivot;
            }
        }
        return values[k];
    }

    private static float median(float a, float b, float c) {
        return a < b ? (b < c ? b : Math.max(a, c)) : (a < c ? a : Math.max(b, c));
    }
}
