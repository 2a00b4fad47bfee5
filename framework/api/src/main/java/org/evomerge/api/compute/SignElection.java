package org.evomerge.api.compute;

import org.evomerge.api.Experimental;

/** How {@link TaskVectorOperations#combineTaskVectors} elects a sign per element (TIES). */
@Experimental(since = "0.1.0",
        reason = "task-vector kernels (rank, mask, combine); signatures may change as GPU kernels land")
public enum SignElection {
    /** No election: every kept weighted delta is summed (task arithmetic, DARE-linear). */
    NONE,
    /** The sign of Σ of the weighted deltas; a zero sum elects plus (mergekit's {@code sum}). */
    SUM,
    /** The sign held by more non-zero weighted deltas; a tie elects plus (mergekit's {@code count}). */
    COUNT
}
