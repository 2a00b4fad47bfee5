package org.evomerge.engine.evolution;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.execution.EvaluationExecutor;
import org.evomerge.api.execution.EvaluationTask;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.api.selection.Fitness;
import org.evomerge.engine.evolution.genome.GenomeJson;
import org.evomerge.engine.execution.LocalEvaluationExecutor;

/**
 * The ask/tell loop: asks the strategy for a batch, scores the batch through an {@link EvaluationExecutor} (the local
 * worker pool by default, a cluster through a plugin), journals every
 * result before it is used, tells the strategy, and repeats until the strategy finishes or a budget runs out.
 *
 * <p><b>Resuming.</b> Strategies are deterministic given their seed and what they were told, so a resumed run
 * replays the journal: it asks again, finds each asked genome's result in the journal under the same id (and checks
 * the genome is the same), and only evaluates what the journal does not have. Nothing journaled is evaluated twice
 * and nothing evaluated is lost, wherever the previous process was killed.
 *
 * <p><b>Fitness cache.</b> A genome asked again (same parameter values bit for bit, same model content hash, same
 * layer path) gets the earlier score, journaled as {@code "cached": true}; cache hits count as evaluations for the
 * evaluation budget, so a strategy that keeps asking the same point still ends.
 *
 * <p><b>Threads.</b> The scores, the strategy's state and therefore the whole run depend only on the seed: workers
 * change the order in which a generation's evaluation lines are appended and the {@code seconds} and
 * {@code elapsed} values, nothing else. A time budget makes the number of evaluations depend on speed.
 *
 * <p><b>Multi-fidelity.</b> With a promotion fraction, a generation's new candidates are first scored on each
 * task's seeded subsample; only the best fraction (by primary objective) is then scored on the full data, the rest
 * keep their subsample score ({@code "fidelity": "low"} in the journal). Screening scores are not journaled: a
 * generation killed between the two phases screens again on resume.
 */
public final class EvolutionEngine {

    /**
     * @param strategyId     written into the journal's start line; a resume with another strategy is refused
     * @param seed           the run seed (start line; checked on resume)
     * @param objectives     how task results become fitness
     * @param budget         stopping rules
     * @param workers        evaluations at once
     * @param promote        multi-fidelity promotion fraction, if enabled
     * @param kinship        kinship of the top candidates, if measured
     */
    public record Settings(String strategyId, long seed, Objectives objectives, RunFile.Budget budget, int workers,
                           OptionalDouble promote, Optional<KinshipCheck> kinship) {
    }

    /**
     * Kinship of the top candidates after a generation: journaled as a {@code kinship} line, and the run stops
     * (reason {@code kinship}) when the mean pairwise value reaches {@code stopAbove}.
     *
     * @param probe the matrix for the given genomes (the job builds their models and asks a {@link KinshipMeasure})
     */
    public record KinshipCheck(RunFile.Kinship settings, java.util.function.Function<List<Genome>, double[][]> probe) {
    }

    /**
     * One generation's summary (primary objective), as its journal line and {@code history.csv} row hold it.
     *
     * @param evaluations journal evaluation lines so far
     * @param elapsed     evaluation wall-clock seconds so far, over every session of the run
     * @param partial     the budget ran out during this generation (the run's last): the statistics are those of
     *                    the candidates evaluated, and the strategy was not told them
     */
    public record GenerationStats(int generation, long evaluations, double best, double mean, double std,
                                  double worst, String bestId, double elapsed, boolean partial) {
    }

    /**
     * How the run ended.
     *
     * @param reason {@code budget}, {@code target}, {@code kinship} or {@code strategy} (the contract's finish reasons)
     */
    public record Outcome(EvaluationRecord best, String reason, List<EvaluationRecord> evaluations,
                          List<GenerationStats> generations) {
    }

    private final RunJournal journal;
    private final SearchStrategy strategy;
    private final Supplier<EvaluationExecutor> executorFactory;
    private EvaluationExecutor executor;
    private final Lineage lineage;
    private final Settings settings;
    private final ProgressReporter progress;
    private final java.util.function.Consumer<List<GenerationStats>> afterGeneration;

    /**
     * @param afterGeneration given the generations so far after each one is journaled ({@code history.csv} is rewritten)
     */
    public EvolutionEngine(RunJournal journal, SearchStrategy strategy, CandidateScorer scorer, Lineage lineage,
                           Settings settings, ProgressReporter progress,
                           java.util.function.Consumer<List<GenerationStats>> afterGeneration) {
        this(journal, strategy, () -> new LocalEvaluationExecutor(task -> scorer.score(task.genome(), task.full()),
                settings.workers()), lineage, settings, progress, afterGeneration);
    }

    /**
     * @param executor opens where evaluations run for this session (closed when {@link #run()} ends); it is only
     *                 opened when something is left to evaluate
     */
    public EvolutionEngine(RunJournal journal, SearchStrategy strategy, Supplier<EvaluationExecutor> executor,
                           Lineage lineage, Settings settings, ProgressReporter progress,
                           java.util.function.Consumer<List<GenerationStats>> afterGeneration) {
        this.journal = journal;
        this.strategy = strategy;
        this.executorFactory = executor;
        this.lineage = lineage;
        this.settings = settings;
        this.progress = progress;
        this.afterGeneration = afterGeneration;
    }

    private final List<EvaluationRecord> all = new ArrayList<>();
    private final List<GenerationStats> stats = new ArrayList<>();
    private final Map<String, EvaluationRecord> cache = new HashMap<>();

    /** Runs (or continues) the evolution to its end and journals the finish line. */
    public Outcome run() {
        List<JsonNode> existing = journal.existing();
        Map<String, EvaluationRecord> replay = new LinkedHashMap<>();
        Map<Integer, JsonNode> replayGenerations = new TreeMap<>();
        Map<Integer, JsonNode> replayKinship = new TreeMap<>();
        JsonNode finish = null;
        for (JsonNode line : existing) {
            switch (line.path("type").asText()) {
                case "evaluation" -> {
                    EvaluationRecord r = EvaluationRecord.fromJson(line);
                    replay.put(r.id(), r);
                }
                case "generation" -> replayGenerations.put(line.path("generation").asInt(), line);
                case "kinship" -> replayKinship.put(line.path("generation").asInt(), line);
                case "finish" -> finish = line;
                default -> {
                }
            }
        }
        if (finish != null) {
            // A finished run: nothing to evaluate; the outcome is the journal's.
            replay.values().forEach(this::remember);
            replayGenerations.values().forEach(g -> stats.add(fromJson(g)));
            String bestId = finish.path("best_id").asText();
            EvaluationRecord best = all.stream().filter(r -> r.id().equals(bestId)).findFirst().orElseGet(this::best);
            return new Outcome(best, finish.path("reason").asText(), List.copyOf(all), List.copyOf(stats));
        }
        if (existing.isEmpty()) {
            Map<String, Object> start = new LinkedHashMap<>();
            start.put("type", "start");
            start.put("version", 1);
            start.put("seed", settings.seed());
            start.put("strategy", settings.strategyId());
            start.put("objectives", settings.objectives().names());
            start.put("started", Instant.now().toString());
            journal.append(start);
        } else {
            JsonNode start = existing.getFirst();
            if (!start.path("type").asText().equals("start")) {
                throw EvomergeException.input(RunJournal.FILE + ": the first line is not a start line", null);
            }
            if (start.path("seed").asLong() != settings.seed()
                    || !start.path("strategy").asText().equals(settings.strategyId())) {
                throw EvomergeException.configuration(RunJournal.FILE + ": the journal was written with seed "
                        + start.path("seed").asLong() + " and strategy '" + start.path("strategy").asText()
                        + "', this run has seed " + settings.seed() + " and strategy '" + settings.strategyId() + "'");
            }
            journal.append(Map.of("type", "resume", "at", Instant.now().toString()));
        }
        double elapsedBefore = replayGenerations.values().stream().mapToDouble(g -> g.path("elapsed").asDouble())
                .max().orElse(0);
        long sessionStart = System.nanoTime();
        RunFile.Budget budget = settings.budget();
        long maxEvaluations = budget.evaluations().orElse(Long.MAX_VALUE);
        double maxSeconds = budget.seconds().orElse(Double.POSITIVE_INFINITY);

        String reason;
        try (ProgressReporter.Progress bar = progress.start("evolving",
                budget.evaluations().orElse(0), "evaluations")) {
            int generation = 0;
            while (true) {
                double elapsed = elapsedBefore + (System.nanoTime() - sessionStart) / 1e9;
                if (strategy.isFinished()) {
                    reason = "strategy";
                    break;
                }
                // While the journal still holds results, the previous sessions were within budget: replay them.
                if (replay.isEmpty() && (all.size() >= maxEvaluations || elapsed >= maxSeconds)) {
                    reason = "budget";
                    break;
                }
                List<Genome> batch = strategy.ask();
                if (batch.isEmpty()) {
                    reason = "strategy";
                    break;
                }
                generation++;
                EvaluationRecord[] results = new EvaluationRecord[batch.size()];
                List<Integer> todo = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    String id = EvaluationRecord.id(generation, i);
                    EvaluationRecord known = replay.remove(id);
                    if (known != null) {
                        if (!GenomeJson.key(known.genome()).equals(GenomeJson.key(batch.get(i)))) {
                            throw EvomergeException.input(RunJournal.FILE + ": evaluation " + id + " in the journal"
                                    + " is not the genome the strategy asks now; the strategy is not deterministic"
                                    + " for its seed, or the run file or plugins changed since the journal was written",
                                    null);
                        }
                        results[i] = known;
                        remember(known);
                        bar.advance(1);
                    } else {
                        todo.add(i);
                    }
                }
                long room = maxEvaluations - all.size();
                boolean truncated = todo.size() > room;
                if (truncated) {
                    todo = new ArrayList<>(todo.subList(0, (int) Math.max(0, room)));
                }
                double deadline = maxSeconds - elapsedBefore;
                boolean complete = evaluate(generation, batch, todo, results, bar, sessionStart, deadline)
                        && !truncated;
                if (!complete) {
                    // The budget ran out inside this generation: what was evaluated of it is still a generation of
                    // the run (its history row, the summary's count), marked partial.
                    List<EvaluationRecord> done = Arrays.stream(results).filter(Objects::nonNull).toList();
                    if (!done.isEmpty()) {
                        JsonNode journaled = replayGenerations.get(generation);
                        GenerationStats gs = journaled != null ? fromJson(journaled) : summarize(generation,
                                done.toArray(EvaluationRecord[]::new),
                                elapsedBefore + (System.nanoTime() - sessionStart) / 1e9, true);
                        if (journaled == null) {
                            journal.append(toJson(gs));
                        }
                        stats.add(gs);
                        afterGeneration.accept(List.copyOf(stats));
                    }
                    reason = "budget";
                    break;
                }
                List<ScoredGenome> told = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    told.add(new ScoredGenome(batch.get(i), results[i].fitness()));
                }
                strategy.tell(told);
                JsonNode journaled = replayGenerations.get(generation);
                GenerationStats gs = journaled != null ? fromJson(journaled)
                        : summarize(generation, results, elapsedBefore + (System.nanoTime() - sessionStart) / 1e9,
                        false);
                if (journaled == null) {
                    journal.append(toJson(gs));
                }
                stats.add(gs);
                bar.status(String.format(Locale.ROOT, "gen %d best %.4g mean %.4g", generation, best().fitness()
                        .primary(), gs.mean()));
                afterGeneration.accept(List.copyOf(stats));
                if (settings.kinship().isPresent() && kinshipStop(generation, settings.kinship().get(),
                        replayKinship.get(generation))) {
                    reason = "kinship";
                    break;
                }
                if (budget.targetFitness().isPresent() && best().fitness().primary() >= budget.targetFitness().getAsDouble()) {
                    reason = "target";
                    break;
                }
            }
        } finally {
            if (executor != null) {
                executor.close();
                executor = null;
            }
        }
        if (all.isEmpty()) {
            throw EvomergeException.configuration("the run ended before any candidate was evaluated (reason: "
                    + reason + ")");
        }
        EvaluationRecord best = best();
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "finish");
        line.put("best_id", best.id());
        line.put("best_fitness", best.fitness().objectives());
        line.put("reason", reason);
        journal.append(line);
        return new Outcome(best, reason, List.copyOf(all), List.copyOf(stats));
    }

    /**
     * Measures (or replays) the kinship of the best distinct candidates after {@code generation}.
     *
     * @return whether the run should stop
     */
    private boolean kinshipStop(int generation, KinshipCheck check, JsonNode journaled) {
        RunFile.Kinship k = check.settings();
        if (generation % k.every() != 0) {
            return false;
        }
        double[][] matrix;
        if (journaled != null) {
            JsonNode rows = journaled.path("matrix");
            matrix = new double[rows.size()][];
            for (int i = 0; i < matrix.length; i++) {
                matrix[i] = new double[rows.get(i).size()];
                for (int j = 0; j < matrix[i].length; j++) {
                    JsonNode v = rows.get(i).get(j);
                    matrix[i][j] = v.isNumber() ? v.asDouble() : Double.NaN;
                }
            }
        } else {
            List<EvaluationRecord> ordered = new ArrayList<>(all);
            // Best first; stable sort keeps the earliest of equal scores first.
            ordered.sort(Comparator.comparingDouble((EvaluationRecord r) -> -r.fitness().primary()));
            Map<String, EvaluationRecord> distinct = new LinkedHashMap<>();
            for (EvaluationRecord r : ordered) {
                if (distinct.size() < k.top()) {
                    distinct.putIfAbsent(GenomeJson.key(r.genome()), r);
                }
            }
            if (distinct.size() < 2) {
                return false;
            }
            List<EvaluationRecord> top = List.copyOf(distinct.values());
            matrix = check.probe().apply(top.stream().map(EvaluationRecord::genome).toList());
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("type", "kinship");
            line.put("generation", generation);
            line.put("ids", top.stream().map(EvaluationRecord::id).toList());
            line.put("metric", k.metric());
            List<List<Double>> rows = new ArrayList<>();
            for (double[] row : matrix) {
                // JSON has no NaN: a correlation left undefined by a zero task vector is null, as in `kinship`.
                List<Double> values = new ArrayList<>();
                for (double v : row) {
                    values.add(Double.isFinite(v) ? v : null);
                }
                rows.add(values);
            }
            line.put("matrix", rows);
            journal.append(line);
        }
        if (k.stopAbove().isEmpty() || matrix.length < 2) {
            return false;
        }
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < matrix.length; i++) {
            for (int j = i + 1; j < matrix.length; j++) {
                if (Double.isFinite(matrix[i][j])) {
                    sum += matrix[i][j];
                    pairs++;
                }
            }
        }
        // Undefined pairs say nothing about convergence; with none defined there is nothing to stop on.
        return pairs > 0 && sum / pairs >= k.stopAbove().getAsDouble();
    }

    private void remember(EvaluationRecord record) {
        all.add(record);
        cache.putIfAbsent(GenomeJson.key(record.genome()), record);
        lineage.evaluated(record.genome(), record.id());
    }

    /** The best so far by primary objective; the earliest wins a tie. */
    private EvaluationRecord best() {
        EvaluationRecord best = all.getFirst();
        for (EvaluationRecord r : all) {
            if (r.fitness().primary() > best.fitness().primary()) {
                best = r;
            }
        }
        return best;
    }

    /**
     * Scores {@code todo} (indices into {@code batch}), journaling each result as it is final.
     *
     * @return false when the time budget stopped it before every index was scored
     */
    private boolean evaluate(int generation, List<Genome> batch, List<Integer> todo, EvaluationRecord[] results,
                             ProgressReporter.Progress bar, long sessionStart, double deadline) {
        List<Integer> fresh = new ArrayList<>();
        Map<Integer, Integer> duplicateOf = new LinkedHashMap<>();
        Map<String, Integer> firstInBatch = new HashMap<>();
        for (int i : todo) {
            String key = GenomeJson.key(batch.get(i));
            EvaluationRecord hit = cache.get(key);
            if (hit != null) {
                results[i] = cachedCopy(generation, i, batch.get(i), hit);
                journal.append(results[i].toJson());
                remember(results[i]);
                bar.advance(1);
            } else if (firstInBatch.containsKey(key)) {
                duplicateOf.put(i, firstInBatch.get(key));
            } else {
                firstInBatch.put(key, i);
                fresh.add(i);
            }
        }
        Map<Integer, Map<String, EvaluationResult>> screened = new java.util.concurrent.ConcurrentHashMap<>();
        Map<Integer, Double> screeningSeconds = new java.util.concurrent.ConcurrentHashMap<>();
        List<Integer> full = fresh;
        if (settings.promote().isPresent() && fresh.size() > 1) {
            List<EvaluationTask> screening = new ArrayList<>();
            for (int i : fresh) {
                screening.add(new EvaluationTask(EvaluationRecord.id(generation, i), generation, batch.get(i), false));
            }
            executor().evaluate(screening, new EvaluationExecutor.Listener() {
                @Override
                public boolean mayStart(EvaluationTask task) {
                    return timeLeft(sessionStart, deadline);
                }

                @Override
                public void finished(EvaluationTask task, Map<String, EvaluationResult> r, double seconds) {
                    int i = EvaluationRecord.index(task.candidateId());
                    screeningSeconds.put(i, seconds);
                    screened.put(i, r);
                }
            });
            if (screened.size() < fresh.size()) {
                return false;
            }
            int keep = (int) Math.ceil(settings.promote().getAsDouble() * fresh.size());
            full = fresh.stream().sorted(Comparator.comparingDouble((Integer i) ->
                            -settings.objectives().fitness(screened.get(i)).primary()).thenComparingInt(i -> i))
                    .limit(keep).sorted().toList();
        }
        List<Integer> promoted = full;
        // Candidates not promoted keep their screening score: journaled here, without running anything again.
        for (int i : fresh) {
            if (!promoted.contains(i)) {
                EvaluationRecord record = record(generation, i, batch.get(i), screened.get(i),
                        screeningSeconds.getOrDefault(i, 0.0), "low");
                journal.append(record.toJson());
                bar.advance(1);
                results[i] = record;
            }
        }
        List<EvaluationTask> tasks = new ArrayList<>();
        for (int i : promoted) {
            tasks.add(new EvaluationTask(EvaluationRecord.id(generation, i), generation, batch.get(i), true));
        }
        if (!tasks.isEmpty()) {
            executor().evaluate(tasks, new EvaluationExecutor.Listener() {
                @Override
                public boolean mayStart(EvaluationTask task) {
                    return timeLeft(sessionStart, deadline);
                }

                @Override
                public void finished(EvaluationTask task, Map<String, EvaluationResult> r, double seconds) {
                    int i = EvaluationRecord.index(task.candidateId());
                    EvaluationRecord record = record(generation, i, batch.get(i), r,
                            seconds + screeningSeconds.getOrDefault(i, 0.0), "full");
                    journal.append(record.toJson());
                    bar.advance(1);
                    results[i] = record;
                }
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
                remember(results[i]);
            }
        }
        for (var d : duplicateOf.entrySet()) {
            EvaluationRecord original = results[d.getValue()];
            if (original == null) {
                complete = false;
                continue;
            }
            int i = d.getKey();
            results[i] = cachedCopy(generation, i, batch.get(i), original);
            journal.append(results[i].toJson());
            remember(results[i]);
            bar.advance(1);
        }
        return complete;
    }

    private static boolean timeLeft(long sessionStart, double deadline) {
        return (System.nanoTime() - sessionStart) / 1e9 < deadline;
    }

    private EvaluationRecord record(int generation, int index, Genome genome, Map<String, EvaluationResult> results,
                                    double seconds, String fidelity) {
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        results.forEach((task, r) -> {
            Map<String, Double> m = new LinkedHashMap<>(r.metrics());
            m.putIfAbsent("score", r.score());
            metrics.put(task, m);
        });
        Fitness fitness = settings.objectives().fitness(results);
        return new EvaluationRecord(EvaluationRecord.id(generation, index), generation, genome,
                lineage.parents(genome), fitness, metrics, seconds, false, fidelity);
    }

    private EvaluationRecord cachedCopy(int generation, int index, Genome genome, EvaluationRecord hit) {
        return new EvaluationRecord(EvaluationRecord.id(generation, index), generation, genome,
                lineage.parents(genome), hit.fitness(), hit.metrics(), 0, true, hit.fidelity());
    }

    private EvaluationExecutor executor() {
        if (executor == null) {
            executor = executorFactory.get();
        }
        return executor;
    }

    private GenerationStats summarize(int generation, EvaluationRecord[] results, double elapsed, boolean partial) {
        double best = Double.NEGATIVE_INFINITY;
        double worst = Double.POSITIVE_INFINITY;
        double sum = 0;
        String bestId = results[0].id();
        for (EvaluationRecord r : results) {
            double f = r.fitness().primary();
            if (f > best) {
                best = f;
                bestId = r.id();
            }
            worst = Math.min(worst, f);
            sum += f;
        }
        double mean = sum / results.length;
        double squares = 0;
        for (EvaluationRecord r : results) {
            squares += (r.fitness().primary() - mean) * (r.fitness().primary() - mean);
        }
        double std = Math.sqrt(squares / results.length);
        return new GenerationStats(generation, all.size(), best, mean, std, worst, bestId, elapsed, partial);
    }

    private static Map<String, Object> toJson(GenerationStats s) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "generation");
        line.put("generation", s.generation());
        line.put("evaluations", s.evaluations());
        line.put("best", s.best());
        line.put("mean", s.mean());
        line.put("std", s.std());
        line.put("worst", s.worst());
        line.put("best_id", s.bestId());
        line.put("elapsed", s.elapsed());
        if (s.partial()) {
            line.put("partial", true);
        }
        return line;
    }

    private static GenerationStats fromJson(JsonNode line) {
        return new GenerationStats(line.path("generation").asInt(), line.path("evaluations").asLong(),
                line.path("best").asDouble(), line.path("mean").asDouble(), line.path("std").asDouble(),
                line.path("worst").asDouble(), line.path("best_id").asText(), line.path("elapsed").asDouble(),
                line.path("partial").asBoolean(false));
    }
}
