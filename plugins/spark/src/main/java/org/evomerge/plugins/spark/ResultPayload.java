package org.evomerge.plugins.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.evomerge.api.evaluation.EvaluationResult;

/**
 * An executor's answer for one task, JDK types only: each task's score and metrics (in task order), how long it
 * took, where it ran; or the one-line error of a failure that retrying cannot fix (a model that differs from the
 * coordinator's, a run the worker cannot set up).
 *
 * @param errorCategory the {@link org.evomerge.api.ErrorCategory} name of a deterministic failure, or null
 */
record ResultPayload(String candidateId, LinkedHashMap<String, Double> scores,
                     LinkedHashMap<String, LinkedHashMap<String, Double>> metrics, double seconds, String host,
                     String errorCategory, String errorMessage) implements Serializable {

    static ResultPayload of(String candidateId, Map<String, EvaluationResult> results, double seconds, String host) {
        LinkedHashMap<String, Double> scores = new LinkedHashMap<>();
        LinkedHashMap<String, LinkedHashMap<String, Double>> metrics = new LinkedHashMap<>();
        results.forEach((task, r) -> {
            scores.put(task, r.score());
            metrics.put(task, new LinkedHashMap<>(r.metrics()));
        });
        return new ResultPayload(candidateId, scores, metrics, seconds, host, null, null);
    }

    static ResultPayload failure(String candidateId, String category, String message, String host) {
        return new ResultPayload(candidateId, null, null, 0, host, category, message);
    }

    Map<String, EvaluationResult> results() {
        Map<String, EvaluationResult> results = new LinkedHashMap<>();
        scores.forEach((task, score) -> results.put(task, new EvaluationResult(metrics.get(task), score)));
        return results;
    }
}
