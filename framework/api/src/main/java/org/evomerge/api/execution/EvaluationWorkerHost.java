package org.evomerge.api.execution;

import org.evomerge.api.Experimental;

/**
 * The host side of a remote worker, found with {@link java.util.ServiceLoader} on the worker JVM's class path (the
 * distribution's {@code lib/} folder provides one). An executor plugin running tasks in another JVM asks it once
 * per JVM and run for a {@link CandidateEvaluator}: the host starts its plugins, opens the run's models, checks them
 * against the coordinator's content hashes and creates the evaluators.
 */
@Experimental(since = "0.1.0",
        reason = "evaluation outside the coordinator (cluster executors); tasks and runs may gain fields")
public interface EvaluationWorkerHost {

    /**
     * @throws org.evomerge.api.EvomergeException (input) naming the model when a local model's content hash differs
     *                                            from the coordinator's, or (configuration) when the run cannot be
     *                                            set up here
     */
    CandidateEvaluator open(EvaluationRun run);
}
