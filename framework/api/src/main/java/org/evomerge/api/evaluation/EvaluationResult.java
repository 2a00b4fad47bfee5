package org.evomerge.api.evaluation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.evomerge.api.Stable;

/**
 * An evaluator's answer for one model.
 *
 * @param metrics named measurements (e.g. {@code acc}, {@code acc_norm}, {@code nll}, {@code perplexity})
 * @param score   the value used as fitness: higher is better (an evaluator of a lower-is-better metric negates it)
 */
@Stable(since = "0.1.0")
public record EvaluationResult(Map<String, Double> metrics, double score) {

    public EvaluationResult {
        Objects.requireNonNull(metrics, "metrics");
        metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        if (Double.isNaN(score)) {
            throw new IllegalArgumentException("evaluation score is NaN");
        }
    }
}
