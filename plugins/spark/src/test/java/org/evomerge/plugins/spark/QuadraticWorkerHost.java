package org.evomerge.plugins.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.execution.CandidateEvaluator;
import org.evomerge.api.execution.EvaluationRun;
import org.evomerge.api.execution.EvaluationWorkerHost;
import org.evomerge.api.genome.ParameterGenome;

/**
 * A worker host for tests, found by the executor side through ServiceLoader exactly as the distribution's is: scores a
 * parameter genome as {@code -Σ (x - 0.3)²} (task {@code quad}) and its sum (task {@code sum}). The run file text
 * steers failures: {@code mismatch} fails setting the run up (as a model with another content hash does),
 * {@code flaky} makes each candidate's first attempt throw (as a lost executor does).
 */
public final class QuadraticWorkerHost implements EvaluationWorkerHost {

    /** Attempts per candidate id, over every run of the test JVM. */
    static final Map<String, AtomicInteger> ATTEMPTS = new ConcurrentHashMap<>();
    static final AtomicInteger OPENED = new AtomicInteger();

    @Override
    public CandidateEvaluator open(EvaluationRun run) {
        OPENED.incrementAndGet();
        if (run.runFileText().contains("mismatch")) {
            throw EvomergeException.input("model '/models/a' on this worker differs from the coordinator's", null);
        }
        boolean flaky = run.runFileText().contains("flaky");
        return task -> {
            int attempt = ATTEMPTS.computeIfAbsent(task.candidateId(), k -> new AtomicInteger()).incrementAndGet();
            if (flaky && attempt == 1) {
                throw new IllegalStateException("executor lost (simulated) for " + task.candidateId());
            }
            double[] x = ((ParameterGenome) task.genome()).values();
            Map<String, EvaluationResult> results = new LinkedHashMap<>();
            results.put("quad", new EvaluationResult(Map.of("distance2", expectedDistance(x)), -expectedDistance(x)));
            results.put("sum", new EvaluationResult(Map.of(), expectedSum(x)));
            return results;
        };
    }

    static double expectedDistance(double[] x) {
        double d = 0;
        for (double v : x) {
            d += (v - 0.3) * (v - 0.3);
        }
        return d;
    }

    static double expectedSum(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s;
    }
}
