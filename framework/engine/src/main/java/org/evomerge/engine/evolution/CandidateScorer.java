package org.evomerge.engine.evolution;

import java.util.Map;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.genome.Genome;

/**
 * Turns a genome into task results: builds the candidate model (merged in memory, or opened from the model store)
 * and runs every task on it. Called from several evaluation workers at once, so implementations are thread-safe.
 */
@FunctionalInterface
public interface CandidateScorer {

    /**
     * @param genome the candidate
     * @param full   {@code false} to score on each task's seeded subsample only (multi-fidelity screening)
     * @return each task's result, by task name, in task order
     */
    Map<String, EvaluationResult> score(Genome genome, boolean full);
}
