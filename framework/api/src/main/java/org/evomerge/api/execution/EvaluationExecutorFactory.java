package org.evomerge.api.execution;

import org.evomerge.api.Experimental;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionFactory;
import org.evomerge.api.parameter.Parameters;

/**
 * Extension point for where evaluations run ({@code evaluation-executor}). The built-in {@code local} executor is a
 * pool of threads in the coordinator; a plugin contributes others (the {@code spark} plugin). The run's
 * {@link EvaluationRun} and a {@link CandidateEvaluator} for this JVM reach {@link #create} as run-scoped services
 * ({@code context.service(EvaluationRun.class)}, {@code context.service(CandidateEvaluator.class)}).
 */
@Experimental(since = "0.1.0",
        reason = "evaluation outside the coordinator (cluster executors); tasks and runs may gain fields")
public interface EvaluationExecutorFactory extends ExtensionFactory {

    /**
     * @param workers the run file's {@code workers}: evaluations at once in this JVM (an executor that runs
     *                elsewhere may ignore it)
     */
    EvaluationExecutor create(Parameters parameters, int workers, RunContext context);
}
