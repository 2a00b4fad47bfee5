package org.evomerge.engine.evolution;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.execution.EvaluationExecutor;
import org.evomerge.api.execution.EvaluationTask;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.selection.Fitness;
import org.evomerge.runfolder.JournalRecord;
import org.evomerge.runfolder.JournalWriter;

/**
 * Scores the candidates of a generation that the journal does not hold: fitness-cache hits and repeats within the
 * batch get the earlier score ({@code "cached": true}); the rest go to the evaluation executor, first on each task's
 * subsample when multi-fidelity is on, and each result is journaled as soon as it is final. The executor is opened
 * on first use (a resumed run whose journal holds everything never starts one) and closed with this object.
 */
final class BatchScoring implements AutoCloseable {

    private final JournalWriter journal;
    private final Supplier<EvaluationExecutor> executorFactory;
    private final EvaluatedCandidates candidates;
    private final Lineage lineage;
    private final Objectives objectives;
    private final OptionalDouble promote;
    private EvaluationExecutor executor;

    /** @param promote the multi-fidelity promotion fraction, if enabled */
    BatchScoring(JournalWriter journal, Supplier<EvaluationExecutor> executor, EvaluatedCandidates candidates,
                 Lineage lineage, Objectives objectives, OptionalDouble promote) {
        this.journal = journal;
        this.executorFactory = executor;
        this.candidates = candidates;
        this.lineage = lineage;
        this.objectives = objectives;
        this.promote = promote;
    }

    /**
     * Scores {@code todo} (indices into {@code batch}) into {@code results}, journaling and remembering each.
     *
     * @param deadline seconds after {@code sessionStart} after which no evaluation starts
     * @return false when the time budget stopped it before every index was scored
     */
    boolean evaluate(int generation, List<Genome> batch, List<Integer> todo, JournalRecord.Evaluation[] results,
                     ProgressReporter.Progress bar, long sessionStart, double deadline) {
        List<Integer> fresh = new ArrayList<>();
        Map<Integer, Integer> duplicateOf = new LinkedHashMap<>();
        Map<String, Integer> firstInBatch = new HashMap<>();
        for (int i : todo) {
            String key = GenomeKey.of(batch.get(i));
            JournalRecord.Evaluation hit = candidates.cached(batch.get(i));
            if (hit != null) {
                results[i] = cachedCopy(generation, i, batch.get(i), hit);
                journal.append(results[i]);
                candidates.remember(results[i]);
                bar.advance(1);
            } else if (firstInBatch.containsKey(key)) {
                duplicateOf.put(i, firstInBatch.get(key));
            } else {
                firstInBatch.put(key, i);
                fresh.add(i);
            }
        }
        Map<Integer, Map<String, EvaluationResult>> screened = new ConcurrentHashMap<>();
        Map<Integer, Double> screeningSeconds = new ConcurrentHashMap<>();
        List<Integer> full = fresh;
        if (promote.isPresent() && fresh.size() > 1) {
            List<EvaluationTask> screening = new ArrayList<>();
            for (int i : fresh) {
                screening.add(new EvaluationTask(JournalRecord.Evaluation.id(generation, i), generation, batch.get(i),
                        false));
            }
            evaluateUntil(screening, sessionStart, deadline, (i, r, seconds) -> {
                screeningSeconds.put(i, seconds);
                screened.put(i, r);
            });
            if (screened.size() < fresh.size()) {
                return false;
            }
            int keep = (int) Math.ceil(promote.getAsDouble() * fresh.size());
            full = fresh.stream().sorted(Comparator.comparingDouble((Integer i) ->
                            -objectives.fitness(screened.get(i)).primary()).thenComparingInt(i -> i))
                    .limit(keep).sorted().toList();
        }
        List<Integer> promoted = full;
        // Candidates not promoted keep their screening score: journaled here, without running anything again.
        for (int i : fresh) {
            if (!promoted.contains(i)) {
                JournalRecord.Evaluation record = record(generation, i, batch.get(i), screened.get(i),
                        screeningSeconds.getOrDefault(i, 0.0), "low");
                journal.append(record);
                bar.advance(1);
                results[i] = record;
            }
        }
        List<EvaluationTask> tasks = new ArrayList<>();
        for (int i : promoted) {
            tasks.add(new EvaluationTask(JournalRecord.Evaluation.id(generation, i), generation, batch.get(i), true));
        }
        if (!tasks.isEmpty()) {
            evaluateUntil(tasks, sessionStart, deadline, (i, r, seconds) -> {
                JournalRecord.Evaluation record = record(generation, i, batch.get(i), r,
                        seconds + screeningSeconds.getOrDefault(i, 0.0), "full");
                journal.append(record);
                bar.advance(1);
                results[i] = record;
            });
        }
        boolean complete = true;
        for (int i : fresh) {
            if (results[i] == null) {
                complete = false;
            }
        }
        // Remember in ask order, so ids and the tie-breaking of the best never depend on which worker finished first.
        for (int i : fresh) {
            if (results[i] != null) {
                candidates.remember(results[i]);
            }
        }
        for (var d : duplicateOf.entrySet()) {
            JournalRecord.Evaluation original = results[d.getValue()];
            if (original == null) {
                complete = false;
                continue;
            }
            int i = d.getKey();
            results[i] = cachedCopy(generation, i, batch.get(i), original);
            journal.append(results[i]);
            candidates.remember(results[i]);
            bar.advance(1);
        }
        return complete;
    }

    /** What to do with one candidate's results: its index in the batch, its results, the seconds it took. */
    private interface Scored {
        void accept(int index, Map<String, EvaluationResult> results, double seconds);
    }

    /**
     * Runs {@code tasks} on the run's executor; a task starts only while the time budget lasts ({@code deadline}
     * seconds after {@code sessionStart}).
     */
    private void evaluateUntil(List<EvaluationTask> tasks, long sessionStart, double deadline, Scored scored) {
        executor().evaluate(tasks, new EvaluationExecutor.Listener() {
            @Override
            public boolean mayStart(EvaluationTask task) {
                return (System.nanoTime() - sessionStart) / 1e9 < deadline;
            }

            @Override
            public void finished(EvaluationTask task, Map<String, EvaluationResult> r, double seconds) {
                scored.accept(JournalRecord.Evaluation.index(task.candidateId()), r, seconds);
            }
        });
    }

    private JournalRecord.Evaluation record(int generation, int index, Genome genome,
                                            Map<String, EvaluationResult> results, double seconds, String fidelity) {
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        results.forEach((task, r) -> {
            Map<String, Double> m = new LinkedHashMap<>(r.metrics());
            m.putIfAbsent("score", r.score());
            metrics.put(task, m);
        });
        Fitness fitness = objectives.fitness(results);
        return new JournalRecord.Evaluation(JournalRecord.Evaluation.id(generation, index), generation, genome,
                lineage.parents(genome), fitness, metrics, seconds, false, fidelity);
    }

    private JournalRecord.Evaluation cachedCopy(int generation, int index, Genome genome,
                                                JournalRecord.Evaluation hit) {
        return new JournalRecord.Evaluation(JournalRecord.Evaluation.id(generation, index), generation, genome,
                lineage.parents(genome), hit.fitness(), hit.metrics(), 0, true, hit.fidelity());
    }

    private EvaluationExecutor executor() {
        if (executor == null) {
            executor = executorFactory.get();
        }
        return executor;
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.close();
            executor = null;
        }
    }
}
