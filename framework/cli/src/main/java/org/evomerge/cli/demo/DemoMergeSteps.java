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
import org.evomerge.engine.evolution.KinshipMeasure;
import org.evomerge.engine.kinship.KinshipCalculator;
import org.evomerge.engine.kinship.KinshipMetric;
import org.evomerge.engine.kinship.KinshipOptions;
import org.evomerge.engine.evolution.RunFileReader;
import org.evomerge.engine.merge.MergeJob;
import org.evomerge.engine.recipe.RecipeReader;
import org.evomerge.report.RunReport;
import org.evomerge.runfolder.BestScores;
import org.evomerge.runfolder.Journal;
import org.evomerge.runfolder.JournalRecord;
import org.evomerge.runfolder.RunFolder;

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
    static final List<String> UNTUNED = List.of("linear", "ties", "dare-ties", "frankenmerge");

    private static final List<String> SPLITS = List.of("dev", "test");

    /** The merge method whose per-layer, per-filter weights the demo evolves. */
    static final String EVOLVED_METHOD = "ties";

    /**
     * What the evolution runs.
     *
     * @param evaluations the CMA-ES budget (evaluations of the three dev splits)
     * @param sample      items of each dev split scored per evaluation (0 = all)
     */
    record Search(int evaluations, int dfsEvaluations, int sample, boolean allStrategies) {

        /** The default: fits the whole demo in about ten minutes on two cores. */
        static final Search DEFAULT = new Search(150, 60, 0, false);

        Search withAllStrategies() {
            return new Search(evaluations, dfsEvaluations, sample, true);
        }
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
            results.add(evaluate(parent.name(), DemoReport.PARENT, parent.path(), tasks, parent.finalLoss()));
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
            results.add(evaluate(name, DemoReport.UNTUNED, merged, tasks, Double.NaN));
        }
        seconds.put("untuned", elapsed(t1));

        long t2 = System.nanoTime();
        write(out.resolve("runs").resolve("evolve.yml"), runFile(models, search));
        Path psDfs = evolve("ps-dfs", psDfsRunFile(models, search),
                "PS then DFS (stages): CMA-ES over per-layer TIES weight and density of the three experts, then"
                        + " CMA-ES over a layer path of the PS winner and expert-arithmetic");
        Path dfs = evolve("dfs", dfsRunFile(models, search),
                "DFS: CMA-ES over a layer path of expert-language and expert-arithmetic");
        seconds.put("evolve", elapsed(t2));
        long t3 = System.nanoTime();
        results.add(evaluateEvolved("ps", DemoReport.EVOLVED, "cma-es", psDfs.resolve("stages").resolve("1-ps"), tasks));
        results.add(evaluateEvolved("dfs", DemoReport.EVOLVED, "cma-es", dfs, tasks));
        results.add(evaluateEvolved("ps+dfs", DemoReport.EVOLVED, "cma-es", psDfs.resolve("stages").resolve("2-dfs"), tasks));
        RunReport.write(psDfs);
        seconds.put("eval-evolved", elapsed(t3));
        long t4 = System.nanoTime();
        for (OtherStrategy other : OTHER_STRATEGIES) {
            if (other.byDefault() || search.allStrategies()) {
                Path runDir = evolve(other.name(), otherRunFile(other, models, search), other.what());
                results.add(evaluateEvolved(other.name(), other.role(), other.strategy(), runDir, tasks));
            }
        }
        seconds.put("other-strategies", elapsed(t4));
        return results;
    }

    /**
     * A row of the strategy comparison: another seed paper's search on the same three experts, fitness and budget.
     *
     * @param name      the row and run folder
     * @param strategy  the search strategy's id, as the run file names it
     * @param role      {@link DemoReport#EVOLVED}, or {@link DemoReport#CONTROL} for an ablation
     * @param what      one line for the progress output
     * @param byDefault run by every demo, not only with {@code --strategies all}
     * @param body      the run file's genome, strategy, mutation and kinship keys
     */
    record OtherStrategy(String name, String strategy, String role, String what, boolean byDefault, String body) {
    }

    /**
     * EvoMerge's GA: whole models, TIES crossover against the base, fine-tuning on composed training problems as
     * the mutation; {@code strategyParameters} are the {@code genetic} strategy's.
     */
    private static String evoMergeGa(String strategyParameters) {
        return """
                genome:
                  kind: model
                  merge_method: ties
                  method_parameters: {weight: 1.0, density: 0.5}
                  dtype: float32
                strategy:
                  id: genetic
                  parameters: {%s}
                selection:
                  id: tournament
                mutation:
                  id: fine-tune
                  parameters:
                    dataset: DATA/composed-train.jsonl
                    method: lora
                    steps: 40
                    batch_size: 16
                    sample_size: 256
                    learning_rate_min: 1.0e-3
                    learning_rate_max: 3.0e-3
                    lora_rank_min: 4
                    lora_rank_max: 16
                    target_modules: q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj
                    max_sequence_length: 64
                """.formatted(strategyParameters);
    }

    private static final String GA_PARAMETERS = "population_size: 4, elites: 1, mutation_rate: 0.5";

    static final List<OtherStrategy> OTHER_STRATEGIES = List.of(
            new OtherStrategy("de", "differential-evolution", DemoReport.EVOLVED,
                    "Evolver: differential evolution over whole models", false,
                    """
                    genome:
                      kind: model
                      merge_method: linear
                      method_parameters: {weight: 0.5, normalize: true}
                      dtype: float32
                    strategy:
                      id: differential-evolution
                      parameters: {variant: evolver, f: 0.5, cr: 0.5}
                    mutation:
                      id: de-difference
                    """),
            new OtherStrategy("kinship-greedy", "kinship-greedy", DemoReport.EVOLVED,
                    "ModelKinship: top-k greedy SLERP merging without exploration", false, """
                    genome:
                      kind: model
                      merge_method: slerp
                      method_parameters: {t: 0.5}
                      dtype: float32
                    strategy:
                      id: kinship-greedy
                      parameters: {top_k: 3, exploration: false}
                    kinship: {metric: pcc, top: 3, every: 1}
                    """),
            new OtherStrategy("kinship-greedy-explore", "kinship-greedy", DemoReport.EVOLVED,
                    "ModelKinship: top-k greedy SLERP merging with kinship-guided exploration", false, """
                    genome:
                      kind: model
                      merge_method: slerp
                      method_parameters: {t: 0.5}
                      dtype: float32
                    strategy:
                      id: kinship-greedy
                      parameters: {top_k: 3, exploration: true}
                    kinship: {metric: pcc, top: 3, every: 1}
                    """),
            new OtherStrategy("ga-fine-tune", "genetic", DemoReport.EVOLVED,
                    "EvoMerge: genetic algorithm, TIES crossover, fine-tuning as the mutation", true,
                    evoMergeGa(GA_PARAMETERS)),
            // The ablation of the row above: with crossover off every child is a fine-tuned copy of a selected
            // parent, so the run trains at least as much as EvoMerge's (every child is mutated, not half of the
            // crossed ones) on the same evaluations, and differs from it only in never merging.
            new OtherStrategy("ga-no-merge", "genetic", DemoReport.CONTROL,
                    "control: the same GA with crossover off (selection and fine-tuning, no merges)", false,
                    evoMergeGa(GA_PARAMETERS + ", crossover_rate: 0.0")));

    /** {@code other}'s run file over the three experts, with the base model and the demo's evaluators. */
    String otherRunFile(OtherStrategy other, Path models, Search search) {
        StringBuilder s = header(other.name());
        s.append("models:\n");
        for (String expert : EXPERTS) {
            s.append("  - ").append(quoted(models.resolve(expert))).append('\n');
        }
        s.append("base_model: ").append(quoted(models.resolve("base"))).append('\n');
        evaluators(s, search);
        // The fine-tune mutation reads its dataset relative to the working directory, not the run file.
        s.append(other.body().replace("DATA/", out.resolve("data").toAbsolutePath().normalize() + "/"));
        s.append("budget:\n  evaluations: ").append(search.evaluations()).append('\n');
        return s.toString();
    }

    /** Runs {@code text} as {@code OUT/runs/NAME.yml} in {@code OUT/runs/NAME/} and returns that folder. */
    private Path evolve(String name, String text, String what) {
        Path runFile = write(out.resolve("runs").resolve(name + ".yml"), text);
        Path runDir = out.resolve("runs").resolve(name);
        deleteRecursively(runDir);
        progress.accept("evolve " + name + ": " + what + " (" + runFile + ")");
        EvolutionJob.Result evolved = EvolutionJob.run(RunFileReader.read(runFile), session.plugins().catalog(),
                session.modelFormats(), session.architectures(), session.runContext(),
                new EvolutionJob.Options(runDir, false, VersionProvider.evomergeVersion(),
                        session.settings().output().format()),
                session.runContext().progress(), Optional.of(kinship()), RunReport::write);
        progress.accept(String.format(Locale.ROOT, "evolve %s: %d evaluations, best fitness %s (ended by %s)",
                name, evolved.outcome().evaluations().size(), evolved.outcome().best().fitness().objectives(),
                evolved.outcome().reason()));
        return runDir;
    }

    /** Task-vector kinship against the base model, as {@code evomerge evolve} measures it. */
    private KinshipMeasure kinship() {
        KinshipCalculator calculator = KinshipCalculator.of(session.runContext());
        return (candidates, base, metric) -> {
            List<KinshipCalculator.NamedModel> named = new ArrayList<>();
            for (int i = 0; i < candidates.size(); i++) {
                named.add(new KinshipCalculator.NamedModel("candidate " + i, candidates.get(i)));
            }
            return calculator.compute(new KinshipCalculator.NamedModel("base", base.get()), named,
                    KinshipOptions.defaults()).matrix(KinshipMetric.byId(metric));
        };
    }

    /**
     * Scores {@code runDir/best} like every other model and writes its {@code best-scores.json}, so the run's
     * report shows its dev and test scores with their intervals.
     */
    private DemoReport.ModelResult evaluateEvolved(String name, String role, String strategy, Path runDir,
                                                   List<ResolvedTask> tasks) {
        DemoReport.ModelResult result = evaluate(name, role, runDir.resolve("best"), tasks, Double.NaN)
                .withStrategy(strategy);
        String bestId = Journal.read(runDir.resolve(RunFolder.JOURNAL)).finish()
                .map(JournalRecord.Finish::bestId).orElse("");
        scoresAfterTheRun(bestId, result).write(runDir);
        RunReport.write(runDir);
        return result;
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
        StringBuilder s = new StringBuilder("# evomerge merge " + quoted(out.resolve("recipes/" + name + ".yml"))
                + " OUT_DIR\n");
        if (name.equals("linear")) {
            s.append("merge_method: linear\nmodels:\n");
            for (String expert : EXPERTS) {
                s.append("  - model: ").append(quoted(models.resolve(expert)))
                        .append("\n    parameters: {weight: 1.0}\n");
            }
            return s.append("dtype: float32\n").toString();
        }
        if (name.equals("frankenmerge")) {
            s.append("merge_method: passthrough\nslices:\n");
            s.append("  - sources:\n      - model: ").append(quoted(models.resolve("expert-arithmetic")))
                    .append("\n        layer_range: [0, ").append(FRANKEN_SPLIT).append("]\n");
            s.append("  - sources:\n      - model: ").append(quoted(models.resolve("expert-language")))
                    .append("\n        layer_range: [").append(FRANKEN_SPLIT).append(", ")
                    .append(org.evomerge.demo.DemoPipeline.LAYERS).append("]\n");
            return s.append("dtype: float32\n").toString();
        }
        String method = name.equals("ties") ? "ties" : "dare_ties";
        s.append("merge_method: ").append(method).append('\n');
        s.append("base_model: ").append(quoted(models.resolve("base"))).append('\n');
        s.append("models:\n");
        for (String expert : EXPERTS) {
            s.append("  - model: ").append(quoted(models.resolve(expert)))
                    .append("\n    parameters: {weight: 1.0, density: 0.5}\n");
        }
        return s.append("dtype: float32\n").toString();
    }

    static final List<String> EXPERTS = List.of("expert-arithmetic", "expert-language", "expert-reversal");
    /** The frankenmerge: expert-arithmetic's first layers (reading the sum), expert-language's last (writing). */
    static final int FRANKEN_SPLIT = org.evomerge.demo.DemoPipeline.LAYERS / 2;

    /**
     * PS+DFS as one run with two stages. PS: CMA-ES over TIES weight and density per layer group and per expert
     * (2 x 2 x 3 = 12 dimensions, the distractor included), fitness = the mean exact match over the three dev
     * splits (each task weighs 1/3). The search starts at, and first scores, the untuned TIES recipe (weight 1,
     * density 0.5), so the PS winner is never worse on dev than it. DFS: the PS winner as model A and
     * expert-arithmetic, a layer path with the paper's transition matrix W, started at (and first scoring) the PS
     * winner itself.
     */
    String psDfsRunFile(Path models, Search search) {
        StringBuilder s = header("ps-dfs");
        s.append("models:\n");
        for (String expert : EXPERTS) {
            s.append("  - ").append(quoted(models.resolve(expert))).append('\n');
        }
        s.append("base_model: ").append(quoted(models.resolve("base"))).append('\n');
        evaluators(s, search);
        s.append("stages:\n");
        s.append("  - name: ps\n");
        psSearch(s, search, "    ");
        s.append("  - name: dfs\n");
        s.append("    models:\n      - {stage: ps}\n      - ").append(quoted(models.resolve(DFS_PARTNER)))
                .append('\n');
        s.append("    base_model: null\n");
        layerPath(s, "    ");
        s.append("    budget:\n      evaluations: ").append(search.dfsEvaluations()).append('\n');
        return s.toString();
    }

    /**
     * PS alone, the first stage of {@link #psDfsRunFile} as a run file of its own: {@code OUT/runs/evolve.yml},
     * which the demo writes but does not run (the stage is that run), for re-running PS by hand and for
     * {@code benchmarks/bench evals}.
     */
    String runFile(Path models, Search search) {
        StringBuilder s = header("evolve");
        s.append("models:\n");
        for (String expert : EXPERTS) {
            s.append("  - ").append(quoted(models.resolve(expert))).append('\n');
        }
        s.append("base_model: ").append(quoted(models.resolve("base"))).append('\n');
        evaluators(s, search);
        psSearch(s, search, "");
        return s.toString();
    }

    /** PS's genome, strategy and budget, each line indented by {@code indent}. */
    private static void psSearch(StringBuilder s, Search search, String indent) {
        String[] lines = {
            "genome:",
            "  kind: recipe",
            "  merge_method: " + EVOLVED_METHOD,
            "  layer_groups: " + PS_LAYER_GROUPS,
            "  parameters: [weight, density]",
            "  bounds:",
            "    weight: [0.0, 2.0]",
            "    density: [0.2, 1.0]",
            "  init: {weight: 1.0, density: 0.5}",
            "  dtype: float32",
            "strategy:",
            "  id: cma-es",
            "  parameters: {sigma: 0.25, evaluate_start: true}",
            "budget:",
            "  evaluations: " + search.evaluations()};
        for (String line : lines) {
            s.append(indent).append(line).append('\n');
        }
    }

    /** DFS alone: a layer path over expert-language (model A, where the path starts) and expert-arithmetic. */
    String dfsRunFile(Path models, Search search) {
        StringBuilder s = header("dfs");
        s.append("models:\n");
        s.append("  - ").append(quoted(models.resolve(DFS_FIRST))).append('\n');
        s.append("  - ").append(quoted(models.resolve(DFS_PARTNER))).append('\n');
        evaluators(s, search);
        layerPath(s, "");
        s.append("budget:\n  evaluations: ").append(search.dfsEvaluations()).append('\n');
        return s.toString();
    }

    /** DFS's model A (where the path starts) and its partner. */
    static final String DFS_FIRST = "expert-language";
    static final String DFS_PARTNER = "expert-arithmetic";

    /**
     * PS's layer groups: 2 groups x 2 parameters x 3 experts = 12 dimensions. With 4 groups (24 dimensions) 60
     * evaluations left the distractor's weights far from 0 (dev fitness 0.344); 12 dimensions and 150 evaluations
     * reached 0.474 on the same kind of experts.
     */
    static final int PS_LAYER_GROUPS = 2;

    private void layerPath(StringBuilder s, String indent) {
        s.append(indent).append("genome:\n");
        s.append(indent).append("  kind: layer-path\n");
        s.append(indent).append("  repeats: 2\n");
        s.append(indent).append("  scaling: transition\n");
        s.append(indent).append("  scale_bounds: [0.5, 1.5]\n");
        s.append(indent).append("  dtype: float32\n");
        s.append(indent).append("strategy:\n");
        s.append(indent).append("  id: cma-es\n");
        s.append(indent).append("  parameters: {sigma: 0.1667, evaluate_start: true}\n");
    }

    private StringBuilder header(String name) {
        return new StringBuilder("# evomerge evolve ").append(quoted(out.resolve("runs/" + name + ".yml")))
                .append(" --out RUN_DIR\n");
    }

    private void evaluators(StringBuilder s, Search search) {
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
        s.append("seed: ").append(seed).append('\n');
        s.append("workers: 1\n");
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
