package org.evomerge.api.compute;

import org.evomerge.api.Experimental;

/**
 * The L1 norms a masking operation measured on the way, for the rescale of the survivors.
 *
 * @param total Σ |δ_i| over every element (double accumulation)
 * @param kept  Σ |δ_i| over the kept elements
 */
@Experimental(since = "0.1.0",
        reason = "task-vector kernels (rank, mask, combine); signatures may change as GPU kernels land")
public record MaskNorms(double total, double kept) {
}
