package org.evomerge.plugins.evaluation;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.evaluation.EvaluationResult;

/**
 * lm-eval-harness style multiple choice: each choice is scored by {@code ln p(choice | context)}; {@code acc} counts
 * records whose highest-scoring choice is the label, {@code acc_norm} does the same with each log-likelihood divided
 * by the choice's length in UTF-8 bytes. Ties go to the first choice. Fitness is the metric named by
 * {@code score_metric}.
 */
public final class MultipleChoiceTask implements EvaluationTask {

    private final String scoreMetric;

    public MultipleChoiceTask(String scoreMetric) {
        this.scoreMetric = scoreMetric;
    }

    @Override
    public void check(List<DatasetRecord> records) {
        for (DatasetRecord record : records) {
            record.text("context");
            List<String> choices = record.texts("choices");
            int label = record.integer("label");
            if (label < 0 || label >= choices.size()) {
                throw record.error("'label' " + label + " is not an index into the " + choices.size() + " choices");
            }
        }
    }

    @Override
    public EvaluationResult run(ScoringModel model, List<DatasetRecord> records) {
        check(records);
        int correct = 0;
        int correctNormalised = 0;
        for (DatasetRecord record : records) {
            String context = record.text("context");
            List<String> choices = record.texts("choices");
            int best = -1;
            int bestNormalised = -1;
            double bestScore = Double.NEGATIVE_INFINITY;
            double bestNormalisedScore = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < choices.size(); i++) {
                double logLikelihood = model.logLikelihood(context, choices.get(i)).sum();
                int bytes = Math.max(1, choices.get(i).getBytes(StandardCharsets.UTF_8).length);
                double normalised = logLikelihood / bytes;
                if (best < 0 || logLikelihood > bestScore) {
                    best = i;
                    bestScore = logLikelihood;
                }
                if (bestNormalised < 0 || normalised > bestNormalisedScore) {
                    bestNormalised = i;
                    bestNormalisedScore = normalised;
                }
            }
            int label = record.integer("label");
            correct += best == label ? 1 : 0;
            correctNormalised += bestNormalised == label ? 1 : 0;
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("acc", correct / (double) records.size());
        metrics.put("acc_norm", correctNormalised / (double) records.size());
        metrics.put("count", (double) records.size());
        return new EvaluationResult(metrics, metrics.get(scoreMetric));
    }
}
