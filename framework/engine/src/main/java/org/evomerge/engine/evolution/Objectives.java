package org.evomerge.engine.evolution;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.TaskWeights;
import org.evomerge.api.selection.Fitness;

/**
 * How task scores become a fitness: one weighted sum ({@link TaskWeights}, the same fitness {@code eval} prints), or
 * one objective per task in task order for multi-objective search. Thread-safe.
 */
public final class Objectives {

    private final RunFile.ObjectiveMode mode;
    private final TaskWeights weights;
    private final Consumer<String> warnings;
    private final AtomicBoolean warned = new AtomicBoolean();

    /**
     * @param weights  the tasks, in task order, with their weights
     * @param warnings where the weighted sum's {@link TaskWeights#scaleWarning} goes, once per run
     */
    public Objectives(RunFile.ObjectiveMode mode, TaskWeights weights, Consumer<String> warnings) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.weights = Objects.requireNonNull(weights, "weights");
        this.warnings = Objects.requireNonNull(warnings, "warnings");
    }

    /** The objective names the journal's start line lists: the tasks, or {@code weighted} for the sum. */
    public List<String> names() {
        return mode == RunFile.ObjectiveMode.SEPARATE ? List.copyOf(weights.weights().keySet()) : List.of("weighted");
    }

    public int count() {
        return names().size();
    }

    /** @throws IllegalStateException if a task's score is missing or not finite */
    public Fitness fitness(Map<String, EvaluationResult> results) {
        Map<String, Double> scores = new LinkedHashMap<>();
        for (String task : weights.weights().keySet()) {
            EvaluationResult r = results.get(task);
            if (r == null) {
                throw new IllegalStateException("task '" + task + "' gave no result");
            }
            if (!Double.isFinite(r.score())) {
                throw new IllegalStateException("task '" + task + "' gave the score " + r.score());
            }
            scores.put(task, r.score());
        }
        if (mode == RunFile.ObjectiveMode.SEPARATE) {
            return new Fitness(new ArrayList<>(scores.values()));
        }
        weights.scaleWarning(scores).filter(w -> !warned.getAndSet(true)).ifPresent(warnings);
        return Fitness.of(weights.fitness(scores));
    }
}
