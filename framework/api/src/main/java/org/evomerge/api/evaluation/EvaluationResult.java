package org.evomerge.api.evaluation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.evomerge.api.Stable;

/**
 * An evaluator's answer for one model.
 *
 * @param metrics    named measurements (e.g. {@code acc}, {@code acc_norm}, {@code nll}, {@code perplexity})
 * @param score      the value used as fitness: higher is better (an evaluator of a lower-is-better metric negates it)
 * @param itemScores each scored item's contribution to {@code score}, in the order the items were scored (e.g. 1 or
 *                   0 per item for exact match), so that intervals and paired tests can be computed on the same
 *                   items; empty when the evaluator does not report them (and for results read from a cache)
 */
@Stable(since = "0.1.0")
public record EvaluationResult(Map<String, Double> metrics, double score, List<Double> itemScores) {

    public EvaluationResult {
        Objects.requireNonNull(metrics, "metrics");
        metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        if (Double.isNaN(score)) {
            throw new IllegalArgumentException("evaluation score is NaN");
        }
        itemScores = List.copyOf(itemScores);
    }

    /** A result without per-item scores. */
    public EvaluationResult(Map<String, Double> metrics, double score) {
        this(metrics, score, List.of());
    }
}
