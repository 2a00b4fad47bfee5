package org.evomerge.engine.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.execution.EvaluationExecutor;
import org.evomerge.api.execution.EvaluationTask;
import org.evomerge.api.genome.ParameterGenome;
import org.junit.jupiter.api.Test;

class LocalEvaluationExecutorTest {

    private static List<EvaluationTask> tasks(int n) {
        List<EvaluationTask> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tasks.add(new EvaluationTask("g1-" + i, 1, new ParameterGenome(new double[] {i, 2.0 * i}), true));
        }
        return tasks;
    }

    private static final class Recorder implements EvaluationExecutor.Listener {
        final Map<String, Map<String, EvaluationResult>> results = new ConcurrentHashMap<>();
        final Set<String> skip = ConcurrentHashMap.newKeySet();

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
    void reportsEveryStartedTaskOnceWithTheEvaluatorsResult() {
        Recorder recorder = new Recorder();
        recorder.skip.add("g1-3");
        try (LocalEvaluationExecutor executor = new LocalEvaluationExecutor(task -> {
            double[] x = ((ParameterGenome) task.genome()).values();
            return Map.of("sum", new EvaluationResult(Map.of(), x[0] + x[1]));
        }, 3)) {
            executor.evaluate(tasks(8), recorder);
        }
        assertEquals(7, recorder.results.size());
        for (int i = 0; i < 8; i++) {
            if (i != 3) {
                assertEquals(3.0 * i, recorder.results.get("g1-" + i).get("sum").score(), 0.0);
            }
        }
    }

    @Test
    void aFailingEvaluationFailsTheBatchAfterTheOthersAreReported() {
        Recorder recorder = new Recorder();
        try (LocalEvaluationExecutor executor = new LocalEvaluationExecutor(task -> {
            if (task.candidateId().equals("g1-1")) {
                throw new IllegalStateException("broken candidate");
            }
            return Map.of("t", new EvaluationResult(Map.of(), 1));
        }, 2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> executor.evaluate(tasks(5), recorder));
            assertEquals("broken candidate", e.getMessage());
        }
        assertEquals(Set.of("g1-0", "g1-2", "g1-3", "g1-4"), recorder.results.keySet());
    }
}
