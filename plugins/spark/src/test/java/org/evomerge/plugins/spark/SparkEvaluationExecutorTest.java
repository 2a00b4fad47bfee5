package org.evomerge.plugins.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.execution.EvaluationExecutor;
import org.evomerge.api.execution.EvaluationRun;
import org.evomerge.api.execution.EvaluationTask;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.parameter.Parameters;
import org.junit.jupiter.api.Test;

/** The Spark executor in local mode ({@code local[2]}), with a test worker host on the executor side. */
class SparkEvaluationExecutorTest {

    private static EvaluationRun run(String text) {
        return new EvaluationRun(Path.of("/runs/" + text + "/run.yml"), text, Map.of("/models/a", "ab12"), List.of(),
                42, 1);
    }

    private static Parameters parameters(String cluster) {
        return new Parameters(Map.of("cluster", cluster, "encryption", true, "task_max_failures", 4L));
    }

    private static List<EvaluationTask> tasks(int generation, int n, long seed) {
        Random random = new Random(seed);
        List<EvaluationTask> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] x = {random.nextDouble(), random.nextDouble(), random.nextDouble()};
            tasks.add(new EvaluationTask("g" + generation + "-" + i, generation, new ParameterGenome(x), true));
        }
        return tasks;
    }

    /** Collects what the executor reports, failing the test on a second report for one task. */
    private static final class Recorder implements EvaluationExecutor.Listener {
        final Map<String, Map<String, EvaluationResult>> results = new ConcurrentHashMap<>();
        final java.util.Set<String> skip = ConcurrentHashMap.newKeySet();

        @Override
        public boolean mayStart(EvaluationTask task) {
            return !skip.contains(task.candidateId());
        }

        @Override
        public void finished(EvaluationTask task, Map<String, EvaluationResult> r, double seconds) {
            assertTrue(seconds >= 0);
            assertNull(results.put(task.candidateId(), r), "reported twice: " + task.candidateId());
        }
    }

    @Test
    void scoresEveryCandidateOnceWithTheWorkersResultsInTaskOrder() {
        SparkSettings settings = SparkSettings.of(parameters("local[2]"), Map.of(), java.util.Optional.empty(),
                java.util.Optional.empty(), "test");
        List<EvaluationTask> tasks = tasks(1, 7, 1);
        Recorder recorder = new Recorder();
        recorder.skip.add("g1-6");
        try (SparkEvaluationExecutor executor = new SparkEvaluationExecutor(settings, run("plain"))) {
            executor.evaluate(tasks, recorder);
            // A second generation reuses the executor's run setup (one worker host per executor JVM and run).
            int opened = QuadraticWorkerHost.OPENED.get();
            executor.evaluate(tasks(2, 3, 2), recorder);
            assertEquals(opened, QuadraticWorkerHost.OPENED.get());
        }
        assertEquals(9, recorder.results.size());
        assertFalse(recorder.results.containsKey("g1-6"));
        for (EvaluationTask t : tasks.subList(0, 6)) {
            double[] x = ((ParameterGenome) t.genome()).values();
            Map<String, EvaluationResult> r = recorder.results.get(t.candidateId());
            assertEquals(List.of("quad", "sum"), List.copyOf(r.keySet()));
            // Bit-exact: the numbers travel as doubles through Java serialisation.
            assertEquals(-QuadraticWorkerHost.expectedDistance(x), r.get("quad").score(), 0.0);
            assertEquals(QuadraticWorkerHost.expectedDistance(x), r.get("quad").metrics().get("distance2"), 0.0);
            assertEquals(QuadraticWorkerHost.expectedSum(x), r.get("sum").score(), 0.0);
        }
    }

    @Test
    void aFailedAttemptIsRetriedAndReportedOnce() {
        // local[2,3]: Spark's local mode retries a failed task up to 3 times, as a cluster re-runs a lost executor's.
        SparkSettings settings = SparkSettings.of(parameters("local[2,3]"), Map.of(), java.util.Optional.empty(),
                java.util.Optional.empty(), "test");
        List<EvaluationTask> tasks = new ArrayList<>();
        for (EvaluationTask t : tasks(5, 4, 3)) {
            tasks.add(new EvaluationTask("flaky-" + t.candidateId(), 5, t.genome(), true));
        }
        Recorder recorder = new Recorder();
        try (SparkEvaluationExecutor executor = new SparkEvaluationExecutor(settings, run("flaky"))) {
            executor.evaluate(tasks, recorder);
        }
        assertEquals(4, recorder.results.size());
        for (EvaluationTask t : tasks) {
            assertEquals(2, QuadraticWorkerHost.ATTEMPTS.get(t.candidateId()).get(), t.candidateId());
        }
    }

    @Test
    void aWorkerThatCannotSetTheRunUpFailsTheBatchWithItsOwnMessageAndIsNotRetried() {
        SparkSettings settings = SparkSettings.of(parameters("local[2,4]"), Map.of(), java.util.Optional.empty(),
                java.util.Optional.empty(), "test");
        int before = QuadraticWorkerHost.OPENED.get();
        try (SparkEvaluationExecutor executor = new SparkEvaluationExecutor(settings, run("mismatch"))) {
            EvomergeException e = assertThrows(EvomergeException.class,
                    () -> executor.evaluate(tasks(1, 2, 4), new Recorder()));
            assertEquals(ErrorCategory.INPUT, e.category());
            assertTrue(e.getMessage().contains("model '/models/a' on this worker differs"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        // Set up once per executor JVM and run: the failure is remembered, not retried per task or attempt.
        assertEquals(1, QuadraticWorkerHost.OPENED.get() - before);
    }
}
