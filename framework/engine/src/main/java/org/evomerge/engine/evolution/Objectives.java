package org.evomerge.engine.evolution;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.selection.Fitness;

/**
 * How task scores become a fitness: one weighted sum Σ weight·score (mergekit-evolve's and EvoMerge's fitness; the
 * weights are not normalised), or one objective per task in task order for multi-objective search.
 */
public final class Objectives {

    private final RunFile.ObjectiveMode mode;
    private final Map<String, Double> weights;

    /** @param weights task name → weight, in task order */
    public Objectives(RunFile.ObjectiveMode mode, Map<String, Double> weights) {
        this.mode = mode;
        this.weights = new LinkedHashMap<>(weights);
    }

    /** The objective names the journal's start line lists: the tasks, or {@code weighted} for the sum. */
    public List<String> names() {
        return mode == RunFile.ObjectiveMode.SEPARATE ? List.copyOf(weights.keySet()) : List.of("weighted");
    }

    public int count() {
        return names().size();
    }

    /** @throws IllegalStateException if a task's score is missing or not finite */
    public Fitness fitness(Map<String, EvaluationResult> results) {
        List<Double> scores = new ArrayList<>();
        double sum = 0;
        for (Map.Entry<String, Double> task : weights.entrySet()) {
            EvaluationResult r = results.get(task.getKey());
            if (r == null) {
                throw new IllegalStateException("task '" + task.getKey() + "' gave no result");
            }
            if (!Double.isFinite(r.score())) {
                throw new IllegalStateException("task '" + task.getKey() + "' gave the score " + r.score());
            }
            scores.add(r.score());
            sum += task.getValue() * r.score();
        }
        return mode == RunFile.ObjectiveMode.SEPARATE ? new Fitness(scores) : Fitness.of(sum);
    }
}
