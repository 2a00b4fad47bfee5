package org.evomerge.engine.evaluation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.TaskWeights;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.model.Model;

/**
 * Evaluates one model on resolved tasks, through the cache when one is given: results of evaluators that declare
 * {@link Capability#EXTERNAL} (a server or script whose answer may change without the weights changing) are never
 * cached. The combined fitness is {@link TaskWeights}'s weighted sum of the task scores, as in {@code evolve}.
 */
public final class ModelEvaluation {

    /**
     * @param tasks    per task name, its result
     * @param fitness  {@code Σ weight · score} ({@link TaskWeights#fitness})
     * @param cached   names of the tasks answered from the cache
     * @param warnings what the user should know about the fitness ({@link TaskWeights#scaleWarning})
     */
    public record Report(Map<String, EvaluationResult> tasks, double fitness, List<String> cached,
                         List<String> warnings) {
    }

    private ModelEvaluation() {
    }

    public static Report run(Model model, List<ResolvedTask> tasks, RunContext context, Optional<EvaluationCache> cache) {
        Map<String, EvaluationResult> results = new LinkedHashMap<>();
        List<String> cached = new java.util.ArrayList<>();
        String weights = null;
        for (ResolvedTask task : tasks) {
            boolean cacheable = cache.isPresent() && !task.factory().descriptor().has(Capability.EXTERNAL);
            String key = null;
            EvaluationResult result = null;
            if (cacheable) {
                if (weights == null) {
                    weights = WeightsHash.of(model);
                }
                key = EvaluationCache.key(weights, task);
                result = cache.get().get(key).orElse(null);
                if (result != null) {
                    cached.add(task.definition().name());
                }
            }
            if (result == null) {
                try (Evaluator evaluator = task.factory().create(task.parameters(), context)) {
                    result = evaluator.evaluate(model);
                }
                if (cacheable) {
                    cache.get().put(key, result);
                }
            }
            results.put(task.definition().name(), result);
        }
        TaskWeights taskWeights = taskWeights(tasks);
        Map<String, Double> scores = new LinkedHashMap<>();
        results.forEach((name, result) -> scores.put(name, result.score()));
        return new Report(results, taskWeights.fitness(scores), cached,
                taskWeights.scaleWarning(scores).stream().toList());
    }

    /** The tasks' weights in task order, and whether any was written. */
    private static TaskWeights taskWeights(List<ResolvedTask> tasks) {
        Map<String, Double> weights = new LinkedHashMap<>();
        tasks.forEach(t -> weights.put(t.definition().name(), t.definition().weight()));
        return new TaskWeights(weights, tasks.stream().anyMatch(t -> t.definition().weightGiven()));
    }
}
