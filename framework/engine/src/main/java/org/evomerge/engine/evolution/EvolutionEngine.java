package org.evomerge.engine.evolution;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.execution.EvaluationExecutor;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.runfolder.ExtensionVersion;
import org.evomerge.runfolder.Journal;
import org.evomerge.runfolder.JournalRecord;
import org.evomerge.runfolder.JournalWriter;
import org.evomerge.runfolder.ResumeCheck;
import org.evomerge.runfolder.RunFolder;

/**
 * The ask/tell loop: asks the strategy for a batch, scores the batch through an {@link EvaluationExecutor} (the local
 * worker pool by default, a cluster through a plugin; {@link BatchScoring}), journals every result before it is
 * used, tells the strategy, and repeats until the strategy finishes or a budget runs out.
 *
 * <p><b>Resuming.</b> Strategies are deterministic given their seed and what they were told, so a resumed run
 * replays the journal ({@link JournalReplay}): it asks again, finds each asked genome's result in the journal under
 * the same id (and checks the genome is the same), and only evaluates what the journal does not have. Nothing
 * journaled is evaluated twice and nothing evaluated is lost, wherever the previous process was killed. A resume
 * first checks that the journal was written with the same seed and strategy, and with the same version of every
 * extension (unless the run accepts version changes).
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
     * @param strategyId         written into the journal's start line; a resume with another strategy is refused
     * @param seed               the run seed (start line; checked on resume)
     * @param objectives         how task results become fitness
     * @param budget             stopping rules
     * @param workers            evaluations at once
     * @param promote            multi-fidelity promotion fraction, if enabled
     * @param kinship            kinship of the top candidates, if measured
     * @param extensions         every extension the run uses, journaled and checked on resume
     * @param allowVersionChange resume even when an extension's installed version is not the journaled one
     */
    public record Settings(String strategyId, long seed, Objectives objectives, RunFile.Budget budget, int workers,
                           OptionalDouble promote, Optional<KinshipCheck> kinship, List<ExtensionVersion> extensions,
                           boolean allowVersionChange) {

        public Settings {
            extensions = List.copyOf(extensions);
        }
    }

    /**
     * Kinship of the top candidates after a generation: journaled as a {@code kinship} line, and the run stops
     * (reason {@code kinship}) when the mean pairwise value reaches {@code stopAbove}.
     *
     * @param probe the matrix for the given genomes (the job builds their models and asks a {@link KinshipMeasure})
     */
    public record KinshipCheck(RunFile.Kinship settings, Function<List<Genome>, double[][]> probe) {
    }

    /**
     * How the run ended.
     *
     * @param reason      {@code budget}, {@code target}, {@code kinship} or {@code strategy} (the contract's finish
     *                    reasons)
     * @param generations the generations' summaries; the last one {@code partial} when the budget ran out inside it
     */
    public record Outcome(JournalRecord.Evaluation best, String reason, List<JournalRecord.Evaluation> evaluations,
                          List<JournalRecord.Generation> generations) {
    }

    private final JournalWriter journal;
    private final SearchStrategy strategy;
    private final Supplier<EvaluationExecutor> executor;
    private final Lineage lineage;
    private final Settings settings;
    private final ProgressReporter progress;
    private final System.Logger logger;
    private final Consumer<List<JournalRecord.Generation>> afterGeneration;

    /**
     * @param executor        opens where evaluations run for this session (closed when {@link #run()} ends); it is
     *                        only opened when something is left to evaluate
     * @param logger          where warnings go (a resume that cannot check versions, or accepts changed ones)
     * @param afterGeneration given the generations so far after each one is journaled ({@code history.csv} is
     *                        rewritten)
     */
    public EvolutionEngine(JournalWriter journal, SearchStrategy strategy, Supplier<EvaluationExecutor> executor,
                           Lineage lineage, Settings settings, ProgressReporter progress, System.Logger logger,
                           Consumer<List<JournalRecord.Generation>> afterGeneration) {
        this.journal = journal;
        this.strategy = strategy;
        this.executor = executor;
        this.lineage = lineage;
        this.settings = settings;
        this.progress = progress;
        this.logger = logger;
        this.afterGeneration = afterGeneration;
    }

    /** Runs (or continues) the evolution to its end and journals the finish line. */
    public Outcome run() {
        Journal existing = journal.existing();
        JournalReplay replay = new JournalReplay(existing);
        EvaluatedCandidates candidates = new EvaluatedCandidates(lineage);
        List<JournalRecord.Generation> stats = new ArrayList<>();
        if (existing.isEmpty()) {
            journal.append(new JournalRecord.Start(Journal.FORMAT_VERSION, settings.seed(), settings.strategyId(),
                    settings.objectives().names(), settings.extensions(), Instant.now().toString()));
        } else {
            checkResume(existing);
        }
        if (replay.finish().isPresent()) {
            // A finished run: nothing to evaluate; the outcome is the journal's.
            replay.remainingEvaluations().forEach(candidates::remember);
            stats.addAll(replay.generations());
            String bestId = replay.finish().get().bestId();
            JournalRecord.Evaluation best = candidates.all().stream().filter(r -> r.id().equals(bestId)).findFirst()
                    .orElseGet(candidates::best);
            return new Outcome(best, replay.finish().get().reason(), candidates.all(), List.copyOf(stats));
        }
        if (!existing.isEmpty()) {
            journal.append(new JournalRecord.Resume(Instant.now().toString(), settings.extensions()));
        }
        double elapsedBefore = replay.elapsed();
        long sessionStart = System.nanoTime();
        RunFile.Budget budget = settings.budget();
        long maxEvaluations = budget.evaluations().orElse(Long.MAX_VALUE);
        double maxSeconds = budget.seconds().orElse(Double.POSITIVE_INFINITY);
        Optional<KinshipWatch> kinship = settings.kinship().map(k -> new KinshipWatch(k, journal, candidates));

        String reason;
        try (BatchScoring scoring = new BatchScoring(journal, executor, candidates, lineage, settings.objectives(),
                settings.promote());
             ProgressReporter.Progress bar = progress.start("evolving", budget.evaluations().orElse(0),
                     "evaluations")) {
            int generation = 0;
            while (true) {
                double elapsed = elapsedBefore + (System.nanoTime() - sessionStart) / 1e9;
                if (strategy.isFinished()) {
                    reason = "strategy";
                    break;
                }
                // While the journal still holds results, the previous sessions were within budget: replay them.
                if (replay.exhausted() && (candidates.count() >= maxEvaluations || elapsed >= maxSeconds)) {
                    reason = "budget";
                    break;
                }
                List<Genome> batch = strategy.ask();
                if (batch.isEmpty()) {
                    reason = "strategy";
                    break;
                }
                generation++;
                JournalRecord.Evaluation[] results = new JournalRecord.Evaluation[batch.size()];
                List<Integer> todo = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    String id = JournalRecord.Evaluation.id(generation, i);
                    JournalRecord.Evaluation known = replay.take(id);
                    if (known != null) {
                        if (!GenomeKey.of(known.genome()).equals(GenomeKey.of(batch.get(i)))) {
                            throw EvomergeException.input(RunFolder.JOURNAL + ": evaluation " + id + " in the journal"
                                    + " is not the genome the strategy asks now; the strategy is not deterministic"
                                    + " for its seed, or the run file or plugins changed since the journal was written",
                                    null);
                        }
                        results[i] = known;
                        candidates.remember(known);
                        bar.advance(1);
                    } else {
                        todo.add(i);
                    }
                }
                long room = maxEvaluations - candidates.count();
                boolean truncated = todo.size() > room;
                if (truncated) {
                    todo = new ArrayList<>(todo.subList(0, (int) Math.max(0, room)));
                }
                double deadline = maxSeconds - elapsedBefore;
                boolean complete = scoring.evaluate(generation, batch, todo, results, bar, sessionStart, deadline)
                        && !truncated;
                if (!complete) {
                    // The budget ran out inside this generation: what was evaluated of it is still a generation of
                    // the run (its history row, the summary's count), marked partial.
                    JournalRecord.Evaluation[] done = Arrays.stream(results).filter(Objects::nonNull)
                            .toArray(JournalRecord.Evaluation[]::new);
                    if (done.length > 0) {
                        stats.add(summary(generation, replay, done, candidates,
                                elapsedBefore + (System.nanoTime() - sessionStart) / 1e9, true));
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
                JournalRecord.Generation gs = summary(generation, replay, results, candidates,
                        elapsedBefore + (System.nanoTime() - sessionStart) / 1e9, false);
                stats.add(gs);
                bar.status(String.format(Locale.ROOT, "gen %d best %.4g mean %.4g", generation,
                        candidates.best().fitness().primary(), gs.mean()));
                afterGeneration.accept(List.copyOf(stats));
                if (kinship.isPresent() && kinship.get().stopAfter(generation, replay.kinship(generation))) {
                    reason = "kinship";
                    break;
                }
                if (budget.targetFitness().isPresent()
                        && candidates.best().fitness().primary() >= budget.targetFitness().getAsDouble()) {
                    reason = "target";
                    break;
                }
            }
        }
        if (candidates.isEmpty()) {
            throw EvomergeException.configuration("the run ended before any candidate was evaluated (reason: "
                    + reason + ")");
        }
        JournalRecord.Evaluation best = candidates.best();
        journal.append(new JournalRecord.Finish(best.id(), best.fitness().objectives(), reason));
        return new Outcome(best, reason, candidates.all(), List.copyOf(stats));
    }

    /** The generation's journaled summary on resume, else its new one, journaled. */
    private JournalRecord.Generation summary(int generation, JournalReplay replay, JournalRecord.Evaluation[] results,
                                             EvaluatedCandidates candidates, double elapsed, boolean partial) {
        Optional<JournalRecord.Generation> journaled = replay.generation(generation);
        if (journaled.isPresent()) {
            return journaled.get();
        }
        JournalRecord.Generation summary = GenerationStatistics.summarize(generation, results, candidates.count(),
                elapsed, partial);
        journal.append(summary);
        return summary;
    }

    /**
     * A resume must continue the journaled run: the same seed and strategy, and every extension in the version the
     * journal names, so the replay asks the same genomes and later scores compare with earlier ones.
     */
    private void checkResume(Journal existing) {
        ResumeCheck.requireSameRun(existing, settings.seed(), settings.strategyId());
        List<ResumeCheck.VersionChange> changes = ResumeCheck.versionChanges(existing, settings.extensions());
        if (!changes.isEmpty()) {
            String list = String.join("; ", changes.stream().map(ResumeCheck.VersionChange::toString).toList());
            if (!settings.allowVersionChange()) {
                throw EvomergeException.configuration(existing.file() + ": the run was journaled with other"
                        + " extension versions: " + list + "; its scores and search would not continue the same run:"
                        + " install the journaled versions, or resume with --allow-version-change to go on with"
                        + " these");
            }
            logger.log(System.Logger.Level.WARNING, "resuming with other extension versions than journaled: " + list);
        }
        if (ResumeCheck.versionsUnknown(existing)) {
            logger.log(System.Logger.Level.WARNING, existing.file() + " was written by an evomerge that journaled no"
                    + " extension versions (journal format " + existing.start().version() + "); resuming without"
                    + " checking them");
        }
    }
}
