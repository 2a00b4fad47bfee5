package org.evomerge.api.compute;

import org.evomerge.api.Experimental;

/**
 * A position in the <em>magnitude order</em> of a task vector (|δ| descending, equal magnitudes by index ascending):
 * an element of magnitude m at index i ranks before it iff {@code m > threshold}, or {@code m == threshold} and
 * {@code i < tieIndex}. This total order lets magnitude trimming keep exactly k elements whatever the ties.
 *
 * @param threshold the magnitude at the position
 * @param tieIndex  elements of magnitude {@code threshold} rank before the position iff their index is below this
 */
@Experimental(since = "0.1.0",
        reason = "task-vector kernels (rank, mask, combine); signatures may change as GPU kernels land")
public record MagnitudeRank(float threshold, int tieIndex) {

    /** Position 0: nothing ranks before it. */
    public static final MagnitudeRank NONE = new MagnitudeRank(Float.POSITIVE_INFINITY, 0);

    /** Position n: every finite element ranks before it. */
    public static final MagnitudeRank ALL = new MagnitudeRank(-1f, 0);
}
