package org.evomerge.plugins.evaluation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.evaluation.EvaluationResult;

/**
 * Prompt → greedy response → extracted answer, compared with the record's {@code answer}. An answer counts only when
 * the response also satisfies the {@link OutputConstraint}. Reports {@code accuracy} (the fitness: right and
 * constrained), {@code answer_accuracy} (right, ignoring the constraint) and, with a constraint,
 * {@code constraint_rate}. Each item's outcome (1 right and constrained, else 0) is the result's item scores.
 */
public final class GenerationTask implements EvaluationTask {

    private final AnswerExtraction extraction;
    private final OutputConstraint constraint;
    private final int maxNewTokens;
    private final List<String> stop;
    private final int batchSize;

    /** @param batchSize prompts handed to the model at once; 0 for all of them */
    public GenerationTask(AnswerExtraction extraction, OutputConstraint constraint, int maxNewTokens, List<String> stop,
                          int batchSize) {
        this.extraction = extraction;
        this.constraint = constraint;
        this.maxNewTokens = maxNewTokens;
        this.stop = List.copyOf(stop);
        this.batchSize = batchSize;
    }

    @Override
    public void check(List<DatasetRecord> records) {
        for (DatasetRecord record : records) {
            record.text("prompt");
            record.scalarText("answer");
        }
    }

    @Override
    public EvaluationResult run(ScoringModel model, List<DatasetRecord> records) {
        check(records);
        int right = 0;
        int constrained = 0;
        int both = 0;
        List<Double> outcomes = new ArrayList<>(records.size());
        List<String> prompts = records.stream().map(r -> r.text("prompt")).toList();
        List<String> responses = new ArrayList<>(prompts.size());
        int batch = batchSize == 0 ? Math.max(1, prompts.size()) : batchSize;
        for (int from = 0; from < prompts.size(); from += batch) {
            responses.addAll(model.generateAll(prompts.subList(from, Math.min(prompts.size(), from + batch)),
                    maxNewTokens, stop));
        }
        for (int i = 0; i < records.size(); i++) {
            DatasetRecord record = records.get(i);
            String response = responses.get(i);
            String expected = extraction.expected(record.scalarText("answer"));
            Optional<String> answer = extraction.extract(response);
            boolean isRight = answer.isPresent() && extraction.matches(answer.get(), expected);
            boolean satisfies = constraint.test(response);
            right += isRight ? 1 : 0;
            constrained += satisfies ? 1 : 0;
            both += isRight && satisfies ? 1 : 0;
            outcomes.add(isRight && satisfies ? 1.0 : 0.0);
        }
        double n = records.size();
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("accuracy", both / n);
        metrics.put("answer_accuracy", right / n);
        if (constraint.isActive()) {
            metrics.put("constraint_rate", constrained / n);
        }
        metrics.put("count", n);
        return new EvaluationResult(metrics, both / n, outcomes);
    }
}
