package org.evomerge.api.compute;

import java.util.Objects;
import org.evomerge.api.Experimental;

/**
 * How {@link TaskVectorOperations#combineTaskVectors} mixes the sparsified task vectors of M models into one tensor.
 *
 * <p>Per element i, with {@code v_m = (x_m[i] − base[i]) · factors[m]} (the difference in float, then in double)
 * for kept elements and 0 for dropped ones:
 * <ul>
 *   <li>{@link SignElection#NONE}: mixed = Σ v_m, divisor = Σ shares[m];</li>
 *   <li>otherwise a sign is elected and only the non-zero v_m of that sign count: mixed = Σ of them,
 *       divisor = Σ of their shares.</li>
 * </ul>
 * With {@code normalize}, mixed /= divisor, where |divisor| &lt; 1e-8 counts as 1. The result is
 * {@code (float) (base[i] + mixed · lambda)}, rounded once. Sums run in model order, in double.
 *
 * @param factors   per model, its weight times its rescale factor
 * @param shares    per model, what it adds to the divisor (its weight, or 1 for a plain mean)
 * @param election  the sign election
 * @param normalize whether to divide by the divisor
 * @param lambda    the final scale of the mixed task vector
 */
@Experimental(since = "0.1.0",
        reason = "task-vector kernels (rank, mask, combine); signatures may change as GPU kernels land")
public record TaskVectorCombine(double[] factors, double[] shares, SignElection election, boolean normalize,
                                double lambda) {

    public TaskVectorCombine {
        Objects.requireNonNull(factors, "factors");
        Objects.requireNonNull(shares, "shares");
        Objects.requireNonNull(election, "election");
        if (factors.length != shares.length) {
            throw new IllegalArgumentException(factors.length + " factors but " + shares.length + " shares");
        }
    }
}
