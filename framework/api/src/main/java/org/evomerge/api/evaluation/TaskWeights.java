package org.evomerge.api.evaluation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.evomerge.api.Experimental;

/**
 * How the scores of several tasks become one fitness: the weighted sum {@code Σ weight · score}, added in task order,
 * with weights as given (not normalised). It is mergekit-evolve's definition, so a task list ported from it keeps its
 * fitness values (and the thresholds written against them), and it is the one definition of evomerge: {@code eval},
 * {@code evolve} (its {@code weighted} objective) and the {@code multi-task} evaluator all combine with this record,
 * so the same tasks get the same fitness wherever they are scored. A mean would only divide by {@code Σ weight}, a
 * constant of the run: it ranks candidates the same, but its values are not mergekit-evolve's.
 *
 * @param weights task name → weight (positive and finite), in task order
 * @param given   whether the user wrote any of the weights, rather than leaving them all at the default 1
 */
@Experimental(since = "0.1.0",
        reason = "task weights that make one fitness for eval and evolve; normalising may change")
public record TaskWeights(Map<String, Double> weights, boolean given) {

    public TaskWeights {
        Objects.requireNonNull(weights, "weights");
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("at least one task is needed");
        }
        weights.forEach((task, weight) -> {
            if (weight == null || !(weight > 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("task '" + task + "': weight must be positive, got " + weight);
            }
        });
        weights = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    /**
     * {@code Σ weight · score} over the tasks, in task order.
     *
     * @param scores task name → score; must hold every task
     * @throws IllegalArgumentException if a task has no score
     */
    public double fitness(Map<String, Double> scores) {
        double sum = 0;
        for (Map.Entry<String, Double> task : weights.entrySet()) {
            Double score = scores.get(task.getKey());
            if (score == null) {
                throw new IllegalArgumentException("task '" + task.getKey() + "' has no score");
            }
            sum += task.getValue() * score;
        }
        return sum;
    }

    /**
     * A warning when no weight was given and the scores lie on different scales: some in [0, 1] (a proportion, such
     * as an accuracy), others outside it (a negated log-likelihood, a reward on a scale of its own). Their plain sum
     * then follows whichever scale is larger, which is rarely what the user meant.
     *
     * @param scores task name → score, as for {@link #fitness}
     */
    public Optional<String> scaleWarning(Map<String, Double> scores) {
        if (given || weights.size() < 2) {
            return Optional.empty();
        }
        List<String> proportions = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (String task : weights.keySet()) {
            Double score = scores.get(task);
            if (score == null) {
                continue;
            }
            String named = "'" + task + "' (" + score + ")";
            if (score >= 0 && score <= 1) {
                proportions.add(named);
            } else {
                others.add(named);
            }
        }
        if (proportions.isEmpty() || others.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("the fitness adds task scores of different scales with the default weight 1: "
                + String.join(", ", others) + " outside [0, 1], " + String.join(", ", proportions)
                + " within it; give the tasks a 'weight' that puts them on one scale");
    }
}
