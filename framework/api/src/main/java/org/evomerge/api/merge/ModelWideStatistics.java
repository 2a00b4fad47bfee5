package org.evomerge.api.merge;

import org.evomerge.api.EvomergeException;
import org.evomerge.api.Experimental;

/**
 * What the engine computed over whole models before merging, for the {@link MagnitudeQuantile}s a method asked for.
 * Thread-safe and immutable during the merge.
 */
@Experimental(since = "0.1.0",
        reason = "model-wide magnitude statistics from a pre-pass; other statistics may join them")
public interface ModelWideStatistics {

    /** Statistics of a host that ran no pre-pass: every lookup is a configuration error. */
    ModelWideStatistics NONE = (quantile, model) -> {
        throw EvomergeException.configuration("magnitude threshold '" + quantile + "' of model '" + model
                + "' needs a whole-model pre-pass, which this merge did not run");
    };

    /**
     * The threshold t of {@code quantile} for {@code model}: elements with |δ| ≥ t are among the model's largest.
     * +∞ when none is; 0 when all are.
     *
     * @throws EvomergeException when the threshold was not computed
     */
    float magnitudeThreshold(String quantile, String model);
}
