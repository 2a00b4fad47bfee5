package org.evomerge.cli.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.model.Model;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.VersionProvider;
import org.evomerge.demo.DemoReport;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.evaluation.ModelEvaluation;
import org.evomerge.engine.evaluation.ResolvedTask;
import org.evomerge.engine.evaluation.TaskFileReader;
import org.evomerge.engine.evaluation.TaskResolver;
import org.evomerge.engine.evolution.EvolutionJob;
import org.evomerge.engine.evolution.RunFileReader;
import org.evomerge.engine.merge.MergeJob;
import org.evomerge.engine.recipe.RecipeReader;
import org.evomerge.report.RunReport;
import org.evomerge.runfolder.BestScores;

/**
 * The demo's steps 3-5, each one the code path of a command a user can re-run on the files written here:
 * task files ({@code evomerge eval --task}), recipes of the untuned merges ({@code evomerge merge}), and the run
 * file of the evolution ({@code evomerge evolve}).
 *
 * <pre>
 * OUT/tasks/{arithmetic,language,composed}-{dev,test}.yml   generation, exact match
 * OUT/recipes/{linear,ties,dare-ties}.yml                   the untuned merges
 * OUT/merges/{linear,ties,dare-ties}/                       their models
 * OUT/runs/evolve.yml, OUT/runs/evolve/                     the evolution and its run folder (best/, report,
 *                                                           best-scores.json: best/ on every dev and test split)
 * </pre>
 */
final class DemoMergeSteps {

    /** The untuned merges, in table order. */
    static final List<String> UNTUNED = List.of("linear", "ties", "dare-ties");

    private static final List<String> SPLITS = List.of("dev", "test");

    /** The merge method whose per-layer, per-filter weights the demo evolves. */
    static final String EVOLVED_METHOD = "ties";

    /**
     * What the evolution runs.
     *
     * @param evaluations the CMA-ES budget (evaluations of the three dev splits)
     * @param sample      items of each dev split scored per evaluation (0 = all)
     */
    record Search(int evaluations, int sample) {

        /** The default: fits the whole demo in about ten minutes on two cores. */
        static final Search DEFAULT = new Search(200, 0);
    }

    private final CommandSession session;
    private final Path out;
    private final long seed;
    private final Consumer<String> progress;

    DemoMergeSteps(CommandSession session, Path out, long seed, Consumer<String> progress) {
        this.session = session;
        this.out = out;
        this.seed = seed;
        this.progress = progress;
    }

    /**
     * Runs steps 3-5 on the parents of {@code parents} and returns every model scored the same way: the parents,
     * the untuned merges and the evolved model, in that order; {@code seconds} gets one entry per step.
     */
    List<DemoReport.ModelResult> run(DemoReport parents, Search search, Map<String, Double> seconds) {
        Path models = out.resolve("models");
        long t0 = System.nanoTime();
        Map<String, Path> taskFiles = writeTaskFiles();
        List<ResolvedTask> tasks = new ArrayList<>();
        for (Path file : taskFiles.values()) {
            tasks.add(TaskResolver.resolve(TaskFileReader.read(file), session.plugins().catalog()));
        }
        List<DemoReport.ModelResult> results = new ArrayList<>();
        for (DemoReport.ModelResult parent : parents.models()) {
            results.add(evaluate(parent.name(), "parent", parent.path(), tasks, parent.finalLoss()));
        }
        seconds.put("eval-parents", elapsed(t0));

        long t1 = System.nanoTime();
        Path recipes = out.resolve("recipes");
        for (String name : UNTUNED) {
            Path recipe = write(recipes.resolve(name + ".yml"), recipe(name, models));
            Path merged = out.resolve("merges").resolve(name);
            MergeJob.run(RecipeReader.read(recipe), session.plugins().catalog(), session.modelFormats(),
                    session.architectures(), seededContext(),
                    new MergeJob.Options(merged, session.settings().output().format(), 5_000_000_000L, true,
                            VersionProvider.evomergeVersion(), out));
            results.add(evaluate(name, "untuned", merged, tasks, Double.NaN));
        }
        seconds.put("untuned", elapsed(t1));

        long t2 = System.nanoTime();
        Path runFile = write(out.resolve("runs").resolve("evolve.yml"), runFile(models, search));
        Path runDir = out.resolve("runs").resolve("evolve");
        deleteRecursively(runDir);
        progress.accept("evolve: CMA-ES over per-layer TIES weight and density, " + search.evaluations()
                + " evaluations of the dev splits (" + runFile + ")");
        EvolutionJob.Result evolved = EvolutionJob.run(RunFileReader.read(runFile), session.plugins().catalog(),
                session.modelFormats(), session.architectures(), session.runContext(),
                new EvolutionJob.Options(runDir, false, VersionProvider.evomergeVersion(),
                        session.settings().output().format()),
                session.runContext().progress(), Optional.empty(), RunReport::write);
        progress.accept(String.format(Locale.ROOT, "evolve: %d evaluations, best fitness %s (ended by %s)",
                evolved.outcome().evaluations().size(), evolved.outcome().best().fitness().objectives(),
                evolved.outcome().reason()));
        seconds.put("evolve", elapsed(t2));
        long t3 = System.nanoTime();
        DemoReport.ModelResult evolvedResult = evaluate("evolved", "evolved", evolved.best(), tasks, Double.NaN);
        results.add(evolvedResult);
        // The run's report gives the evolved model's dev and test scores their intervals.
        scoresAfterTheRun(evolved.outcome().best().id(), evolvedResult).write(runDir);
        RunReport.write(runDir);
        seconds.put("eval-evolved", elapsed(t3));
        return results;
    }

    /**
     * The session's context with the demo's seed as its random root, so DARE's drops follow the demo's seed: the
     * session's own with {@code --seed}, and each seed's in a sweep ({@code --seeds}).
     */
    private RunContext seededContext() {
        RunContext context = session.runContext();
        return context.child(new SeededRandomSource(seed), context.progress(), context.threads(), Map.of());
    }

    /** Scores {@code folder} on every dev and test task file, as {@code evomerge eval} does (no cache). */
    private DemoReport.ModelResult evaluate(String name, String role, Path folder, List<ResolvedTask> tasks,
                                            double loss) {
        ModelEvaluation.Report report;
        try (Model model = session.modelFormats().forPath(folder).format().open(folder)) {
            report = ModelEvaluation.run(model, tasks, session.runContext(), Optional.empty());
        }
        Map<String, DemoReport.Score> scores = new LinkedHashMap<>();
        for (String task : DemoReport.TASKS) {
            EvaluationResult dev = report.tasks().get(task + "-dev");
            EvaluationResult test = report.tasks().get(task + "-test");
            scores.put(task, new DemoReport.Score(dev.score(), test.score(), dev.itemScores(), test.itemScores()));
        }
        DemoReport.ModelResult result = new DemoReport.ModelResult(name, role, folder, scores, loss);
        progress.accept(String.format(Locale.ROOT, "eval %s (%s): combined test %.3f", name, role,
                result.combinedTest()));
        return result;
    }

    /** {@code RUN/best-scores.json} of the evolved model: every task file's score and per-item outcomes. */
    static BestScores scoresAfterTheRun(String bestId, DemoReport.ModelResult evolved) {
        List<BestScores.TaskScores> scores = new ArrayList<>();
        for (String task : DemoReport.TASKS) {
            DemoReport.Score s = evolved.scores().get(task);
            scores.add(new BestScores.TaskScores(task + "-dev", s.dev(), s.devItems()));
            scores.add(new BestScores.TaskScores(task + "-test", s.test(), s.testItems()));
        }
        return new BestScores(bestId, scores);
    }

    /** {@code OUT/tasks/TASK-SPLIT.yml}: greedy generation, exact match of the whole answer. */
    private Map<String, Path> writeTaskFiles() {
        Map<String, Path> files = new LinkedHashMap<>();
        for (String task : DemoReport.TASKS) {
            for (String split : SPLITS) {
                String name = task + "-" + split;
                files.put(name, write(out.resolve("tasks").resolve(name + ".yml"), "name: " + name + "\n"
                        + "evaluator: generation\n"
                        + "data: ../data/" + name + ".jsonl\n"
                        + "parameters:\n"
                        + generationParameters("  ")));
            }
        }
        return files;
    }

    /** Answers are at most 8 characters (Zorbic for 999 is 6 syllables of 2), one token each, then EOS. */
    private static String generationParameters(String indent) {
        return indent + "max_new_tokens: 16\n" + indent + "extract: full\n" + indent + "case_sensitive: true\n";
    }

    /**
     * The untuned merges: the experts averaged 0.5/0.5, and TIES and DARE-TIES on their task vectors against the
     * base with mergekit's usual example settings (weight 1, density 0.5) and the methods' defaults otherwise.
     */
    String recipe(String name, Path models) {
        String arithmetic = quoted(models.resolve("expert-arithmetic"));
        String language = quoted(models.resolve("expert-language"));
        if (name.equals("linear")) {
            return "# evomerge merge " + quoted(out.resolve("recipes/linear.yml")) + " OUT_DIR\n"
                    + "merge_method: linear\n"
                    + "models:\n"
                    + "  - model: " + arithmetic + "\n    parameters: {weight: 0.5}\n"
                    + "  - model: " + language + "\n    parameters: {weight: 0.5}\n"
                    + "dtype: float32\n";
        }
        String method = name.equals("ties") ? "ties" : "dare_ties";
        return "# evomerge merge " + quoted(out.resolve("recipes/" + name + ".yml")) + " OUT_DIR\n"
                + "merge_method: " + method + "\n"
                + "base_model: " + quoted(models.resolve("base")) + "\n"
                + "models:\n"
                + "  - model: " + arithmetic + "\n    parameters: {weight: 1.0, density: 0.5}\n"
                + "  - model: " + language + "\n    parameters: {weight: 1.0, density: 0.5}\n"
                + "dtype: float32\n";
    }

    /**
     * CMA-ES over TIES weight and density per layer group and per expert (4 x 2 x 2 = 16 dimensions), fitness =
     * the mean exact match over the three dev splits (each task weighs 1/3). TIES rather than task arithmetic: the
     * experts' LoRA task vectors are nearly orthogonal, so after trimming most entries come from one expert alone
     * and TIES's disjoint mean keeps them at full strength, where a weighted sum has to scale both down. Per-filter
     * values ({@code self_attn}, {@code mlp}) would triple the dimensions, more than this budget can search. The
     * search starts at, and first scores, the untuned TIES recipe (weight 1, density 0.5), so the evolved recipe is
     * never worse on dev than it; with {@code normalize} only the weights' ratios matter, so [0, 2] around 1 is the
     * same search box as [0, 1] around 0.5.
     */
    String runFile(Path models, Search search) {
        StringBuilder s = new StringBuilder();
        s.append("# evomerge evolve ").append(quoted(out.resolve("runs/evolve.yml"))).append(" --out RUN_DIR\n");
        s.append("models:\n");
        s.append("  - ").append(quoted(models.resolve("expert-arithmetic"))).append('\n');
        s.append("  - ").append(quoted(models.resolve("expert-language"))).append('\n');
        s.append("base_model: ").append(quoted(models.resolve("base"))).append('\n');
        s.append("genome:\n");
        s.append("  kind: recipe\n");
        s.append("  merge_method: ").append(EVOLVED_METHOD).append('\n');
        s.append("  layer_groups: ").append(org.evomerge.demo.DemoPipeline.LAYERS).append('\n');
        s.append("  parameters: [weight, density]\n");
        s.append("  bounds:\n    weight: [0.0, 2.0]\n    density: [0.2, 1.0]\n");
        s.append("  init: {weight: 1.0, density: 0.5}\n");
        s.append("  dtype: float32\n");
        s.append("strategy:\n  id: cma-es\n  parameters: {sigma: 0.25, evaluate_start: true}\n");
        s.append("evaluators:\n");
        for (String task : DemoReport.TASKS) {
            s.append("  - name: ").append(task).append("-dev\n");
            s.append("    evaluator: generation\n");
            s.append("    data: ../data/").append(task).append("-dev.jsonl\n");
            s.append("    weight: 0.3333333333333333\n");
            s.append("    parameters:\n").append(generationParameters("      "));
            if (search.sample() > 0) {
                s.append("      sample: ").append(search.sample()).append("\n      sample_seed: 1\n");
            }
        }
        s.append("objectives: weighted\n");
        s.append("budget:\n  evaluations: ").append(search.evaluations()).append('\n');
        s.append("seed: ").append(seed).append('\n');
        s.append("workers: 1\n");
        return s.toString();
    }

    private static String quoted(Path path) {
        return "'" + path.toAbsolutePath().normalize().toString().replace("'", "''") + "'";
    }

    /** Writes {@code text} to a temporary sibling, then renames it. */
    private static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** An earlier demo's run folder is replaced: an evolution only starts in a new or empty folder. */
    private static void deleteRecursively(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (var paths = Files.walk(folder)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replace the earlier run in " + folder + ": " + e.getMessage(), e);
        }
    }

    private static double elapsed(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
