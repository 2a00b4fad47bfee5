package org.evomerge.plugins.merge;

import org.evomerge.api.compute.MagnitudeRank;

/**
 * A position in the <em>magnitude order</em> of a task vector: elements sorted by |δ| descending, and elements of
 * equal magnitude by index ascending (the lower index ranks as the larger). This total order is what makes magnitude
 * trimming keep exactly k elements whatever the ties: mergekit sorts with {@code torch.argsort}, whose order among
 * equal values is unspecified.
 *
 * <p>A cut at position p is the pair (threshold t, tie index j) of the element at 0-based position p; an element
 * (m, i) ranks before the cut iff m &gt; t, or m = t and i &lt; j. Exactly p elements rank before it. The run's
 * compute backend finds it ({@code TaskVectorOperations.magnitudeRank}) in expected O(n), never with a full sort.
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

    /** The backend's rank as a cut. */
    static MagnitudeCut of(MagnitudeRank rank) {
        return new MagnitudeCut(rank.threshold(), rank.tieIndex());
    }

    /**
     * The cut with exactly {@code position} elements of {@code delta} before it, found by the run's compute backend
     * ({@code TaskVectorOperations.magnitudeRank}: the selection reads δ in place, no |δ| array or sort).
     */
    static MagnitudeCut at(TaskDelta delta, Sparsifier.Scratch scratch, int position) {
        if (position <= 0) {
            return NONE;
        }
        if (position >= delta.size()) {
            return ALL;
        }
        try {
            return of(scratch.compute().magnitudeRank(delta.model(), delta.base(), position));
        } catch (IllegalStateException e) {
            throw new IllegalStateException("tensor '" + delta.tensorName() + "': " + e.getMessage(), e);
        }
    }
}
