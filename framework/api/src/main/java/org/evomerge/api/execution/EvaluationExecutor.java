package org.evomerge.api.execution;

import java.util.List;
import java.util.Map;
import org.evomerge.api.Experimental;
import org.evomerge.api.evaluation.EvaluationResult;

/**
 * Runs a generation's evaluations. The engine calls {@link #evaluate} once per batch (a generation, or one phase of
 * a multi-fidelity generation) and journals what the listener receives; an executor never writes the journal.
 *
 * <p>Contract: {@link Listener#finished} is called at most once per task, whatever the executor retries (a task
 * may run twice on a cluster; only one result is reported). {@code evaluate} returns when every task has finished
 * or was skipped; a task that fails for good makes {@code evaluate} throw (after the other results were reported).
 */
@Experimental(since = "0.1.0",
        reason = "evaluation outside the coordinator (cluster executors); tasks and runs may gain fields")
public interface EvaluationExecutor extends AutoCloseable {

    /** Receives results as they arrive; may be called from any thread, one call at a time per task. */
    interface Listener {

        /**
         * Asked just before a task starts where the executor can ask (local threads); {@code false} skips it (the
         * run's time budget is spent). A remote executor may ask once for the whole batch when it submits it.
         */
        boolean mayStart(EvaluationTask task);

        /**
         * @param results each task's result by task name, in task order
         * @param seconds how long the evaluation took where it ran
         */
        void finished(EvaluationTask task, Map<String, EvaluationResult> results, double seconds);
    }

    void evaluate(List<EvaluationTask> tasks, Listener listener);

    /** Releases threads or the cluster connection. */
    @Override
    void close();
}
