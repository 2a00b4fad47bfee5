package org.evomerge.plugins.spark;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.function.Function;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.execution.CandidateEvaluator;
import org.evomerge.api.execution.EvaluationWorkerHost;

/**
 * The function each Spark task runs on an executor: the first task of a run in an executor JVM asks the host
 * ({@link EvaluationWorkerHost}, from the distribution's {@code lib/} on the executor's class path) to set the run
 * up (plugins, models checked against the coordinator's hashes, evaluators); every task then builds its candidate
 * and scores it. Deterministic failures come back as a result with an error instead of an exception, so Spark does
 * not retry what cannot succeed; anything else is an exception and Spark retries the task.
 */
final class ExecutorSideEvaluation implements Function<TaskPayload, ResultPayload> {

    private static final long serialVersionUID = 1L;

    /** Per executor JVM: the run's evaluator, or the error that setting it up gave. */
    private static final Map<String, Object> RUNS = new ConcurrentHashMap<>();

    private final RunPayload run;
    private final String runKey;

    ExecutorSideEvaluation(RunPayload run) {
        this.run = run;
        this.runKey = run.key();
    }

    @Override
    public ResultPayload call(TaskPayload payload) {
        String host = hostName();
        Object setUp = RUNS.computeIfAbsent(runKey, k -> {
            try {
                return open(run);
            } catch (EvomergeException e) {
                return e;
            }
        });
        if (setUp instanceof EvomergeException e) {
            return ResultPayload.failure(payload.candidateId(), e.category().name(), e.getMessage(), host);
        }
        CandidateEvaluator evaluator = (CandidateEvaluator) setUp;
        long t0 = System.nanoTime();
        try {
            Map<String, EvaluationResult> results = evaluator.evaluate(payload.task());
            return ResultPayload.of(payload.candidateId(), results, (System.nanoTime() - t0) / 1e9, host);
        } catch (EvomergeException e) {
            return ResultPayload.failure(payload.candidateId(), e.category().name(), e.getMessage(), host);
        }
    }

    private static CandidateEvaluator open(RunPayload run) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        EvaluationWorkerHost host = ServiceLoader.load(EvaluationWorkerHost.class,
                        loader != null ? loader : ExecutorSideEvaluation.class.getClassLoader())
                .findFirst().orElseThrow(() -> EvomergeException.configuration("this Spark executor has no evomerge"
                        + " worker host on its class path: start workers from the cluster distribution, or put the"
                        + " distribution's lib/ folder on spark.executor.extraClassPath"));
        return host.open(run.run());
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName() + "/" + ProcessHandle.current().pid();
        } catch (UnknownHostException e) {
            return "unknown/" + ProcessHandle.current().pid();
        }
    }
}
