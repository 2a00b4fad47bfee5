package org.evomerge.plugins.merge;

import java.util.Arrays;
import org.evomerge.api.compute.MagnitudeRank;

/**
 * A position in the <em>magnitude order</em> of a task vector: elements sorted by |δ| descending, and elements of
 * equal magnitude by index ascending (the lower index ranks as the larger). This total order is what makes magnitude
 * trimming keep exactly k elements whatever the ties: mergekit sorts with {@code torch.argsort}, whose order among
 * equal values is unspecified.
 *
 * <p>A cut at position p is the pair (threshold t, tie index j) of the element at 0-based position p; an element
 * (m, i) ranks before the cut iff m &gt; t, or m = t and i &lt; j. Exactly p elements rank before it. Finding it costs
 * an expected O(n): a selection (three-way quickselect, so runs of equal magnitudes such as untouched zeros cost
 * nothing extra; it falls back to sorting the remaining range if pivots keep failing) and two linear passes, never a
 * full sort.
 *
 * @param threshold the magnitude at the cut
 * @param tieIndex  elements of magnitude {@code threshold} rank before the cut iff their index is below this
 */
record MagnitudeCut(float threshold, int tieIndex) {

    /** The cut at position 0: nothing ranks before it. */
    static final MagnitudeCut NONE = new MagnitudeCut(Float.POSITIVE_INFINITY, 0);

    /** The cut at position n: every (finite) element ranks before it. */
    static final MagnitudeCut ALL = new MagnitudeCut(-1f, 0);

    /** This position as the compute backend's {@link MagnitudeRank}. */
    MagnitudeRank rank() {
        return new MagnitudeRank(threshold, tieIndex);
    }

    /** Whether the element of magnitude {@code magnitude} at {@code index} ranks before this cut. */
    boolean before(float magnitude, int index) {
        return magnitude > threshold | (magnitude == threshold & index < tieIndex);
    }

    /**
     * The cut with exactly {@code position} elements of {@code delta} before it.
     *
     * @param magnitudes |δ| of every element, in any order (as {@link TaskDelta#magnitudesInto} writes it); the
     *                   selection permutes it, so one buffer serves several cuts of the same task vector
     * @param position   0 ≤ position ≤ n
     */
    static MagnitudeCut at(TaskDelta delta, float[] magnitudes, int position) {
        int n = delta.size();
        if (position <= 0) {
            return NONE;
        }
        if (position >= n) {
            return ALL;
        }
        // The element at descending position p is the (n-1-p)-th smallest.
        float threshold = kthSmallest(magnitudes, n, n - 1 - position);
        int greater = 0;
        for (int i = 0; i < n; i++) {
            if (magnitudes[i] > threshold) {
                greater++;
            }
        }
        // The cut falls among the elements equal to the threshold: the first `needed` of them (by index) are before it.
        // With distinct magnitudes (the usual case) none is, and no scan is needed.
        int needed = position - greater;
        if (needed == 0) {
            return new MagnitudeCut(threshold, 0);
        }
        int seen = 0;
        for (int i = 0; i < n; i++) {
            if (delta.magnitude(i) == threshold) {
                if (seen == needed) {
                    return new MagnitudeCut(threshold, i);
                }
                seen++;
            }
        }
        throw new IllegalStateException("magnitude selection is inconsistent (non-finite values?) in tensor '"
                + delta.tensorName() + "'");
    }

    /**
     * The cut with exactly {@code position} elements of {@code delta} before it, read straight from δ: for tensors
     * of at least {@value #RADIX_MINIMUM} elements no |δ| array is written, and the count of larger magnitudes comes
     * from the two selection histograms instead of another pass. The same cut as {@link #at(TaskDelta, float[], int)}.
     */
    static MagnitudeCut at(TaskDelta delta, Sparsifier.Scratch scratch, int position) {
        int n = delta.size();
        if (position <= 0) {
            return NONE;
        }
        if (position >= n) {
            return ALL;
        }
        if (n >= RADIX_MINIMUM) {
            MagnitudeCut cut = radixCut(delta, scratch.ints(1 << 16), position);
            if (cut != null) {
                return cut;
            }
        }
        float[] magnitudes = scratch.floats(n);
        delta.magnitudesInto(magnitudes);
        return at(delta, magnitudes, position);
    }

    /** The radix selection of {@link #radixSelect} on |δ| computed on the fly; {@code null} for non-finite δ. */
    private static MagnitudeCut radixCut(TaskDelta delta, int[] counts, int position) {
        int n = delta.size();
        float[] x = delta.model();
        float[] b = delta.base();
        java.util.Arrays.fill(counts, 0);
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
        java.util.Arrays.fill(counts, 0);
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
        float threshold = Float.intBitsToFloat((bucket << 16) | low);
        int needed = position - greater;
        if (needed == 0) {
            return new MagnitudeCut(threshold, 0);
        }
        int seen = 0;
        for (int i = 0; i < n; i++) {
            if (Math.abs(x[i] - b[i]) == threshold) {
                if (seen == needed) {
                    return new MagnitudeCut(threshold, i);
                }
                seen++;
            }
        }
        throw new IllegalStateException("magnitude selection is inconsistent in tensor '" + delta.tensorName() + "'");
    }

    /**
     * The {@code k}-th smallest (0-based) of {@code values[0..n)}, which it permutes. Three-way partitioning around a
     * median-of-three pivot; after a logarithmic number of rounds without convergence, the remaining range is sorted,
     * which bounds the worst case by O(n log n).
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

    /** Below this size the histograms cost more than partitioning. */
    private static final int RADIX_MINIMUM = 1 << 16;

    /**
     * Selection by the bits of non-negative floats, whose raw bits order like the numbers: a histogram of the top 16
     * bits finds the bucket holding the k-th smallest, a second one of the low 16 bits within it finds the value.
     * Two linear, branch-light passes instead of several partitioning rounds (magnitude trimming runs this on every
     * tensor of every model). Returns NaN, leaving the work to the quickselect, when a value is negative or NaN.
     * The array is not modified.
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
        java.util.Arrays.fill(counts, 0);
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
