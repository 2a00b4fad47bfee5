package org.evomerge.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.evomerge.api.EvomergeException;
import org.evomerge.runfolder.BestScores;
import org.evomerge.runfolder.Journal;
import org.evomerge.runfolder.JournalRecord;
import org.evomerge.runfolder.RunFolder;
import org.evomerge.statistics.Bootstrap;
import org.evomerge.statistics.Interval;
import org.evomerge.statistics.McNemar;

/**
 * Several evolution runs on the same problem side by side, one row per run: its strategy, the evaluations it used,
 * its best candidate's fitness (the search's dev score), that candidate's scores after the run from
 * {@code best-scores.json} with their 95% bootstrap intervals, the combined score, and the paired difference to the
 * reference run on the same items (paired bootstrap interval and exact McNemar test, {@code org.evomerge.statistics});
 * plus the best-so-far fitness of every run against the evaluations it spent, on one chart.
 *
 * <p>The combined score is the mean of the tasks whose names end in {@value #TEST_SUFFIX} (the demo's test splits),
 * or of every task when none does; its interval is resampled within each task (as the demo's combined test is). The
 * reference is the run whose best candidate has the highest primary fitness among the runs that can be paired:
 * chosen on what the searches saw, never on the held-out scores it is compared on. A staged run is shown as its last
 * stage that has a journal (its best candidate, its {@code best-scores.json}) with the evaluations of all its stages
 * and each stage listed.
 */
public final class RunComparison {

    static {
        // The chart is drawn off screen; without this AWT looks for a display on Linux servers.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** The page's name when a folder of runs is compared. */
    public static final String PAGE = "comparison.html";

    /** Tasks with this suffix make up the combined score. */
    public static final String TEST_SUFFIX = "-test";

    /**
     * One stage of a staged run.
     *
     * @param number      from 1
     * @param name        the stage's name
     * @param strategy    its search strategy; empty when it has not started
     * @param evaluations its evaluations
     * @param best        its best candidate so far
     */
    public record Stage(int number, String name, Optional<String> strategy, int evaluations,
                        Optional<JournalRecord.Evaluation> best) {
    }

    /**
     * One task of {@code best-scores.json}.
     *
     * @param name  the task's name
     * @param items how many items it has scores of (0: none recorded)
     * @param score the file's score, with the percentile bootstrap interval over the items (undefined without items)
     */
    public record TaskScore(String name, int items, Interval score) {
    }

    /**
     * A run against the reference on the combined tasks' items.
     *
     * @param difference this run's combined score minus the reference's, with its paired bootstrap interval
     * @param mcNemar    the exact test on the discordant items; empty when a score is not 0 or 1
     */
    public record Paired(Interval difference, Optional<McNemar> mcNemar) {
    }

    /**
     * One evaluation of a run's best-so-far curve.
     *
     * @param evaluations the evaluations spent so far (over all stages of a staged run)
     * @param best        the highest primary fitness so far
     */
    public record Point(int evaluations, double best) {
    }

    /**
     * One run of the comparison.
     *
     * @param name        its folder's name (the path when two compared folders share a name)
     * @param folder      its run folder
     * @param strategy    its (last stage's) search strategy
     * @param objective   its primary objective's name
     * @param stages      a staged run's stages; empty otherwise
     * @param evaluations the evaluations it used (all stages)
     * @param best        its (last stage's) best candidate
     * @param tasks       its best candidate's scores from {@code best-scores.json}; empty without a usable file
     * @param combined    the mean of the combined tasks' scores with its interval (undefined without items)
     * @param reference   whether this is the run the others are compared with
     * @param paired      the comparison with the reference; empty for the reference and unpaired runs
     * @param unpaired    why a run other than the reference has no paired columns
     * @param curve       best-so-far primary fitness after each evaluation
     * @param report      its {@code report.html}
     */
    public record Row(String name, Path folder, String strategy, String objective, List<Stage> stages,
                      int evaluations, Optional<JournalRecord.Evaluation> best, List<TaskScore> tasks,
                      Optional<Interval> combined, boolean reference, Optional<Paired> paired,
                      Optional<String> unpaired, List<Point> curve, Path report) {

        public Row {
            stages = List.copyOf(stages);
            tasks = List.copyOf(tasks);
            curve = List.copyOf(curve);
        }

        /** The best candidate's primary fitness, NaN before the first evaluation. */
        public double bestFitness() {
            return best.map(b -> b.fitness().primary()).orElse(Double.NaN);
        }
    }

    private final List<Row> rows;
    private final List<String> combinedTasks;
    private final Optional<Long> seed;

    private RunComparison(List<Row> rows, List<String> combinedTasks, Optional<Long> seed) {
        this.rows = List.copyOf(rows);
        this.combinedTasks = List.copyOf(combinedTasks);
        this.seed = seed;
    }

    /** The rows, in the order the runs were given. */
    public List<Row> rows() {
        return rows;
    }

    /** The reference run, when any run has per-item scores of every combined task. */
    public Optional<Row> reference() {
        return rows.stream().filter(Row::reference).findFirst();
    }

    /** The tasks the reference's combined score is the mean of, in its file's order; empty without a reference. */
    public List<String> combinedTasks() {
        return combinedTasks;
    }

    /** The seed of the paired bootstrap: the reference run's seed. */
    public Optional<Long> pairedSeed() {
        return seed;
    }

    /**
     * The run folders {@code dir} holds: its sub-folders with a {@code journal.jsonl} or {@code stages/}, by name.
     * Empty when {@code dir} is itself a run folder or holds none.
     */
    public static List<Path> runFolders(Path dir) {
        if (!Files.isDirectory(dir) || isRunFolder(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isDirectory).filter(RunComparison::isRunFolder).sorted().toList();
        } catch (IOException e) {
            throw EvomergeException.input(dir + ": cannot list the run folders (" + e.getMessage() + ")", e);
        }
    }

    private static boolean isRunFolder(Path dir) {
        RunFolder folder = new RunFolder(dir);
        return Files.isRegularFile(folder.journal()) || Files.isDirectory(dir.resolve(RunFolder.STAGES));
    }

    /**
     * Reads every run and compares them; writes nothing.
     *
     * @throws EvomergeException (input) when a folder is not a run folder or a file in it is malformed, naming it
     */
    public static RunComparison of(List<Path> runDirs) {
        List<Path> dirs = runDirs.stream().map(d -> d.toAbsolutePath().normalize()).toList();
        Map<String, Integer> names = new HashMap<>();
        dirs.forEach(d -> names.merge(name(d), 1, Integer::sum));
        List<RunState> runs = new ArrayList<>();
        for (Path dir : dirs) {
            runs.add(RunState.read(dir, names.get(name(dir)) > 1 ? dir.toString() : name(dir)));
        }
        Optional<RunState> reference = runs.stream().filter(r -> r.combinedItems().isPresent())
                .reduce((a, b) -> b.bestFitness() > a.bestFitness() ? b : a);
        Optional<Long> seed = reference.map(RunState::seed);
        Optional<Bootstrap> paired = seed.map(Bootstrap::new);
        List<Row> rows = new ArrayList<>();
        for (RunState run : runs) {
            boolean isReference = reference.isPresent() && run == reference.get();
            Optional<Paired> comparison = Optional.empty();
            Optional<String> why = Optional.empty();
            if (reference.isEmpty()) {
                why = Optional.of(run.unusable().orElse("no run has per-item scores of its combined tasks"));
            } else if (!isReference) {
                why = run.unusable().or(() -> run.mismatch(reference.get()));
                if (why.isEmpty()) {
                    comparison = Optional.of(run.against(reference.get(), paired.orElseThrow()));
                }
            }
            rows.add(run.row(isReference, comparison, why));
        }
        return new RunComparison(rows, reference.map(RunState::combinedNames).orElse(List.of()), seed);
    }

    /**
     * Writes the comparison page to {@code page} (under a temporary name, then renamed), linking each run's
     * {@code report.html}.
     *
     * @throws EvomergeException (input) when it cannot be written
     */
    public void write(Path page) {
        Path target = page.toAbsolutePath().normalize();
        try {
            Files.createDirectories(target.getParent());
            byte[] chart = RunCharts.png(RunCharts.bestSoFar(this), RunCharts.WIDTH, RunCharts.HEIGHT);
            String html = new ComparisonPage(target, this, chart).html();
            RunFolder.writeAtomically(target, html.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw EvomergeException.input(target + ": cannot write the comparison (" + e.getMessage() + ")", e);
        } catch (UncheckedIOException e) {
            throw EvomergeException.input(target + ": cannot write the comparison (" + e.getCause().getMessage()
                    + ")", e);
        }
    }

    /** {@code -0.012 [-0.045, +0.020]}: a difference and its interval, signed. */
    public static String signed(Interval difference) {
        String text = String.format(Locale.ROOT, "%+.3f", difference.estimate());
        return difference.defined() ? text + String.format(Locale.ROOT, " [%+.3f, %+.3f]", difference.lower(),
                difference.upper()) : text;
    }

    private static String name(Path dir) {
        return dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
    }

    /** What one run folder holds, read once. */
    private record RunState(String name, Path folder, String strategy, String objective, long seed,
                            List<Stage> stages, int evaluations, Optional<JournalRecord.Evaluation> best,
                            Optional<BestScores> scores, Optional<String> unusable, List<Point> curve, Path report) {

        static RunState read(Path dir, String name) {
            RunFolder folder = new RunFolder(dir);
            if (!Files.isDirectory(dir)) {
                throw EvomergeException.input(dir + ": no such run directory", null);
            }
            List<RunFolder.Stage> staged = Files.isRegularFile(folder.journal()) ? List.of() : folder.stages();
            if (staged.isEmpty() && !Files.isRegularFile(folder.journal())) {
                throw EvomergeException.input(dir + ": not a run directory (no " + RunFolder.JOURNAL + ")", null);
            }
            List<Stage> stages = new ArrayList<>();
            List<Point> curve = new ArrayList<>();
            Journal last = null;
            RunFolder lastFolder = folder;
            int spent = 0;
            double best = Double.NEGATIVE_INFINITY;
            List<RunFolder> journals = new ArrayList<>();
            if (staged.isEmpty()) {
                journals.add(folder);
            }
            for (RunFolder.Stage stage : staged) {
                if (Files.isRegularFile(stage.folder().journal())) {
                    journals.add(stage.folder());
                }
            }
            if (journals.isEmpty()) {
                throw EvomergeException.input(dir + ": no stage of this run has a " + RunFolder.JOURNAL + " yet",
                        null);
            }
            Map<Path, Journal> read = new HashMap<>();
            for (RunFolder f : journals) {
                Journal journal = Journal.read(f.journal());
                journal.start();
                read.put(f.dir(), journal);
                for (JournalRecord.Evaluation e : journal.evaluations()) {
                    spent++;
                    if (e.fidelity().equals("full") && Double.isFinite(e.fitness().primary())) {
                        best = Math.max(best, e.fitness().primary());
                    }
                    if (Double.isFinite(best)) {
                        curve.add(new Point(spent, best));
                    }
                }
                last = journal;
                lastFolder = f;
            }
            for (RunFolder.Stage stage : staged) {
                Journal journal = read.get(stage.folder().dir());
                stages.add(journal == null
                        ? new Stage(stage.number(), stage.name(), Optional.empty(), 0, Optional.empty())
                        : new Stage(stage.number(), stage.name(), Optional.of(journal.start().strategy()),
                                journal.evaluations().size(), RunReport.bestEvaluation(journal)));
            }
            Optional<JournalRecord.Evaluation> bestEvaluation = RunReport.bestEvaluation(last);
            Optional<BestScores> scores = BestScores.read(lastFolder.dir());
            Optional<String> unusable = unusable(bestEvaluation, scores, lastFolder.dir());
            if (unusable.isPresent() && bestEvaluation.isPresent() && scores.isPresent()
                    && !scores.get().bestId().equals(bestEvaluation.get().id())) {
                scores = Optional.empty();
            }
            List<String> objectives = last.start().objectives();
            return new RunState(name, dir, last.start().strategy(), objectives.isEmpty() ? "" : objectives.getFirst(),
                    last.start().seed(), stages, spent, bestEvaluation, scores, unusable, curve,
                    dir.resolve(RunFolder.REPORT));
        }

        /** Why the run's scores cannot be paired with another run's, whatever the other run. */
        private static Optional<String> unusable(Optional<JournalRecord.Evaluation> best,
                                                 Optional<BestScores> scores, Path dir) {
            if (best.isEmpty()) {
                return Optional.of("no evaluation yet");
            }
            if (scores.isEmpty()) {
                return Optional.of("no " + BestScores.FILE + " in " + dir.getFileName());
            }
            if (!scores.get().bestId().equals(best.get().id())) {
                return Optional.of(BestScores.FILE + " scored " + scores.get().bestId() + ", not the best candidate "
                        + best.get().id());
            }
            if (scores.get().tasks().isEmpty()) {
                return Optional.of(BestScores.FILE + " lists no task");
            }
            for (BestScores.TaskScores task : combined(scores.get())) {
                if (task.items().isEmpty()) {
                    return Optional.of(BestScores.FILE + " has no per-item scores of " + task.name());
                }
            }
            return Optional.empty();
        }

        private static List<BestScores.TaskScores> combined(BestScores scores) {
            List<BestScores.TaskScores> test = scores.tasks().stream()
                    .filter(t -> t.name().endsWith(TEST_SUFFIX)).toList();
            return test.isEmpty() ? scores.tasks() : test;
        }

        double bestFitness() {
            return best.map(b -> b.fitness().primary()).orElse(Double.NaN);
        }

        List<String> combinedNames() {
            return scores.map(s -> combined(s).stream().map(BestScores.TaskScores::name).toList()).orElse(List.of());
        }

        /** The combined tasks' items, one array per task in the file's order, when every one has them. */
        Optional<List<double[]>> combinedItems() {
            if (unusable.isPresent()) {
                return Optional.empty();
            }
            return Optional.of(combined(scores.orElseThrow()).stream().map(t -> array(t.items())).toList());
        }

        /** Why this run's combined tasks do not pair up with the reference's. */
        Optional<String> mismatch(RunState reference) {
            Set<String> mine = new LinkedHashSet<>(combinedNames());
            Set<String> theirs = new LinkedHashSet<>(reference.combinedNames());
            if (!mine.equals(theirs) || mine.size() != combinedNames().size()) {
                return Optional.of("scored on other tasks than " + reference.name() + ": "
                        + String.join(", ", combinedNames()) + " against " + String.join(", ", theirs));
            }
            for (BestScores.TaskScores task : combined(reference.scores().orElseThrow())) {
                int mineCount = task(task.name()).items().size();
                if (mineCount != task.items().size()) {
                    return Optional.of(task.name() + " has " + mineCount + " items, " + reference.name() + "'s "
                            + task.items().size());
                }
            }
            return Optional.empty();
        }

        /** This run minus the reference on the reference's combined tasks, item by item. */
        Paired against(RunState reference, Bootstrap bootstrap) {
            List<double[]> theirs = new ArrayList<>();
            List<double[]> mine = new ArrayList<>();
            for (BestScores.TaskScores task : combined(reference.scores().orElseThrow())) {
                theirs.add(array(task.items()));
                mine.add(array(task(task.name()).items()));
            }
            Interval difference = bootstrap.pairedDifferenceOfStrata(mine, theirs);
            boolean binary = Stream.concat(mine.stream(), theirs.stream())
                    .allMatch(items -> Arrays.stream(items).allMatch(v -> v == 0 || v == 1));
            return new Paired(difference, binary ? Optional.of(McNemar.ofOutcomes(mine, theirs)) : Optional.empty());
        }

        private BestScores.TaskScores task(String name) {
            return scores.orElseThrow().tasks().stream().filter(t -> t.name().equals(name)).findFirst()
                    .orElseThrow();
        }

        Row row(boolean isReference, Optional<Paired> paired, Optional<String> unpaired) {
            Bootstrap own = new Bootstrap(seed);
            List<TaskScore> tasks = new ArrayList<>();
            Optional<Interval> combined = Optional.empty();
            if (scores.isPresent()) {
                for (BestScores.TaskScores t : scores.get().tasks()) {
                    tasks.add(new TaskScore(t.name(), t.items().size(), withBounds(t.score(),
                            t.items().isEmpty() ? Optional.empty() : Optional.of(own.mean(array(t.items()))))));
                }
                List<BestScores.TaskScores> parts = combined(scores.get());
                if (!parts.isEmpty()) {
                    double mean = parts.stream().mapToDouble(BestScores.TaskScores::score).average().orElseThrow();
                    boolean items = parts.stream().noneMatch(t -> t.items().isEmpty());
                    combined = Optional.of(withBounds(mean, items ? Optional.of(own.meanOfStrata(
                            parts.stream().map(t -> array(t.items())).toList())) : Optional.empty()));
                }
            }
            return new Row(name, folder, strategy, objective, stages, evaluations, best, tasks, combined,
                    isReference, paired, isReference ? Optional.empty() : unpaired, curve, report);
        }

        /** The file's score with the bootstrap's bounds (the score is what the evaluator reported). */
        private static Interval withBounds(double score, Optional<Interval> bootstrap) {
            return bootstrap.map(b -> new Interval(score, b.lower(), b.upper()))
                    .orElse(new Interval(score, Double.NaN, Double.NaN));
        }

        private static double[] array(List<Double> values) {
            return values.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }
}
