package org.evomerge.engine.compute;

import java.util.Arrays;
import org.evomerge.api.compute.MagnitudeRank;

/**
 * Exact selection in the magnitude order of a task vector δ = x − base (|δ| descending, equal magnitudes by index
 * ascending), in scalar Java: {@link ReferenceBackend#magnitudeRank} and the fallback of the vector backend's faster
 * selection. The position's rank is the pair (threshold t, tie index j) of the element there; an element (m, i)
 * ranks before it iff m &gt; t, or m = t and i &lt; j, so exactly {@code position} elements do whatever the ties
 * (mergekit sorts with {@code torch.argsort}, whose order among equal values is unspecified).
 *
 * <p>Cost: an expected O(n) — from tensors of {@value #RADIX_MINIMUM} elements a two-pass radix selection on |δ|
 * computed on the fly (no |δ| array), below that or for non-finite δ a three-way quickselect on a |δ| array (runs of
 * equal magnitudes such as untouched zeros cost nothing extra; it sorts the remaining range if pivots keep failing),
 * then one scan for the tie index only when the cut falls among equal magnitudes. Never a full sort.
 */
final class MagnitudeSelection {

    /** Below this size the histograms cost more than partitioning. */
    static final int RADIX_MINIMUM = 1 << 16;

    private MagnitudeSelection() {
    }

    /** The rank of position {@code position} of the magnitude order of {@code x − base}. */
    static MagnitudeRank rank(float[] x, float[] base, int position) {
        int n = x.length;
        if (position <= 0) {
            return MagnitudeRank.NONE;
        }
        if (position >= n) {
            return MagnitudeRank.ALL;
        }
        if (n >= RADIX_MINIMUM) {
            MagnitudeRank rank = radixRank(x, base, position);
            if (rank != null) {
                return rank;
            }
        }
        float[] magnitudes = new float[n];
        for (int i = 0; i < n; i++) {
            magnitudes[i] = Math.abs(x[i] - base[i]);
        }
        // The element at descending position p is the (n-1-p)-th smallest.
        float threshold = kthSmallest(magnitudes, n, n - 1 - position);
        int greater = 0;
        for (int i = 0; i < n; i++) {
            if (Math.abs(x[i] - base[i]) > threshold) {
                greater++;
            }
        }
        return withTies(x, base, position, threshold, greater);
    }

    /**
     * The rank at {@code position} given its threshold and the number of elements of larger magnitude: the cut falls
     * among the elements equal to the threshold, and the first {@code position − greater} of them (by index) rank
     * before it. With distinct magnitudes none does, and no scan is needed.
     */
    static MagnitudeRank withTies(float[] x, float[] base, int position, float threshold, int greater) {
        int needed = position - greater;
        if (needed == 0) {
            return new MagnitudeRank(threshold, 0);
        }
        return new MagnitudeRank(threshold, tieIndex(x, base, threshold, needed, 0));
    }

    /** The index of the element that is the {@code needed}-th (0-based) of magnitude {@code threshold} from {@code from}. */
    static int tieIndex(float[] x, float[] base, float threshold, int needed, int from) {
        int seen = 0;
        for (int i = from; i < x.length; i++) {
            if (Math.abs(x[i] - base[i]) == threshold) {
                if (seen == needed) {
                    return i;
                }
                seen++;
            }
        }
        throw new IllegalStateException("magnitude selection is inconsistent (non-finite values?)");
    }

    /** The radix selection of {@link #radixSelect} on |δ| computed on the fly; {@code null} for non-finite δ. */
    private static MagnitudeRank radixRank(float[] x, float[] b, int position) {
        int n = x.length;
        int[] counts = new int[1 << 16];
        for (int i = 0; i < n; i++) {
            counts[Float.floatToRawIntBits(Math.abs(x[i] - b[i])) >>> 16]++;
        }
        for (int bucket = 0x7F80; bucket < 0x8000; bucket++) {
            if (counts[bucket] != 0) {
                return null; // infinity or NaN
            }
        }
        int k = n - 1 - position; // ascending rank of the element at descending position `position`
        int bucket = 0;
        int below = 0;
        while (below + counts[bucket] <= k) {
            below += counts[bucket++];
        }
        int greater = n - below - counts[bucket];
        int rank = k - below;
        Arrays.fill(counts, 0);
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(Math.abs(x[i] - b[i]));
            if ((bits >>> 16) == bucket) {
                counts[bits & 0xFFFF]++;
            }
        }
        int low = 0;
        while (counts[low] <= rank) {
            rank -= counts[low++];
        }
        for (int l = low + 1; l < counts.length; l++) {
            greater += counts[l];
        }
        return withTies(x, b, position, Float.intBitsToFloat((bucket << 16) | low), greater);
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
