package org.evomerge.api.execution;

import java.util.Map;
import org.evomerge.api.Experimental;
import org.evomerge.api.evaluation.EvaluationResult;

/**
 * Scores candidates in this JVM: builds the candidate model from the genome (an in-memory merge, as a local run
 * does) and runs every task of the run on it. Thread-safe; closing it releases the models and evaluators it opened.
 */
@Experimental(since = "0.1.0",
        reason = "evaluation outside the coordinator (cluster executors); tasks and runs may gain fields")
public interface CandidateEvaluator extends AutoCloseable {

    /** @return each task's result, by task name, in the run file's task order */
    Map<String, EvaluationResult> evaluate(EvaluationTask task);

    @Override
    default void close() {
    }
}
