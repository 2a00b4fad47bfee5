package org.evomerge.api.evaluation;

import org.evomerge.api.Stable;
import org.evomerge.api.model.Model;

/**
 * Scores models: a fitness function. One instance is configured for one task (dataset and settings) and may be
 * called on many models, from several threads.
 */
@Stable(since = "0.1.0")
public interface Evaluator extends AutoCloseable {

    /**
     * Scores {@code model}, which may be a folder on disk or a merge result held in memory. Deterministic for a
     * given model, task and seed.
     */
    EvaluationResult evaluate(Model model);

    /** Releases what the task holds (datasets, connections). */
    @Override
    default void close() {
    }
}
