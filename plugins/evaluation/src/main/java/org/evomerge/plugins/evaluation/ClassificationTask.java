package org.evomerge.plugins.evaluation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.evaluation.EvaluationResult;

/**
 * Classification by log-likelihood: the prompt is {@code template} with {@code {text}} replaced, each label is scored
 * as the continuation {@code " " + label}, and the most likely label is the prediction (ties to the first label).
 * Reports {@code accuracy} (the fitness) and {@code macro_f1} over the labels.
 */
public final class ClassificationTask implements EvaluationTask {

    private final String template;
    private final List<String> declaredLabels;

    /** @param labels the label set in order; empty means the distinct labels of the data, in order of appearance */
    public ClassificationTask(String template, List<String> labels) {
        this.template = template;
        this.declaredLabels = List.copyOf(labels);
    }

    @Override
    public void check(List<DatasetRecord> records) {
        for (DatasetRecord record : records) {
            record.text("text");
            String label = record.scalarText("label");
            if (!declaredLabels.isEmpty() && !declaredLabels.contains(label)) {
                throw record.error("'label' '" + label + "' is not one of the task's labels " + declaredLabels);
            }
        }
    }

    @Override
    public EvaluationResult run(ScoringModel model, List<DatasetRecord> records) {
        check(records);
        List<String> labels = labels(records);
        if (labels.size() < 2) {
            throw EvomergeException.input(records.getFirst().file() + ": classification needs at least two labels,"
                    + " found " + labels, null);
        }
        int[] truePositive = new int[labels.size()];
        int[] predicted = new int[labels.size()];
        int[] actual = new int[labels.size()];
        int correct = 0;
        for (DatasetRecord record : records) {
            String prompt = template.replace("{text}", record.text("text"));
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < labels.size(); i++) {
                double score = model.logLikelihood(prompt, " " + labels.get(i)).sum();
                if (score > bestScore) {
                    best = i;
                    bestScore = score;
                }
            }
            int truth = labels.indexOf(record.scalarText("label"));
            predicted[best]++;
            actual[truth]++;
            if (best == truth) {
                truePositive[best]++;
                correct++;
            }
        }
        double f1Sum = 0;
        for (int i = 0; i < labels.size(); i++) {
            int denominator = predicted[i] + actual[i];
            f1Sum += denominator == 0 ? 0 : 2.0 * truePositive[i] / denominator;
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("accuracy", correct / (double) records.size());
        metrics.put("macro_f1", f1Sum / labels.size());
        metrics.put("count", (double) records.size());
        return new EvaluationResult(metrics, metrics.get("accuracy"));
    }

    private List<String> labels(List<DatasetRecord> records) {
        if (!declaredLabels.isEmpty()) {
            return declaredLabels;
        }
        Set<String> seen = new LinkedHashSet<>();
        records.forEach(r -> seen.add(r.scalarText("label")));
        return new ArrayList<>(seen);
    }
}
