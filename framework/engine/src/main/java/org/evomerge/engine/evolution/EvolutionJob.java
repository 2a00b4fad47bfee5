package org.evomerge.engine.evolution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.TaskWeights;
import org.evomerge.api.execution.CandidateEvaluator;
import org.evomerge.api.execution.EvaluationExecutor;
import org.evomerge.api.execution.EvaluationExecutorFactory;
import org.evomerge.api.execution.EvaluationRun;
import org.evomerge.api.execution.EvaluationTask;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationFactory;
import org.evomerge.api.search.KinshipOracle;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.api.search.SearchStrategyFactory;
import org.evomerge.api.selection.SelectionScheme;
import org.evomerge.api.selection.SelectionSchemeFactory;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.evolution.store.FolderModelStore;
import org.evomerge.engine.execution.LocalEvaluationExecutor;
import org.evomerge.engine.kinship.KinshipCalculator;
import org.evomerge.engine.kinship.KinshipMetric;
import org.evomerge.engine.kinship.TaskVectorKinshipOracle;
import org.evomerge.engine.merge.HubModelId;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.plugin.RegisteredExtension;
import org.evomerge.runfolder.ExtensionVersion;
import org.evomerge.runfolder.HistoryFile;
import org.evomerge.runfolder.JournalWriter;
import org.evomerge.runfolder.RunFolder;

/**
 * {@code evomerge evolve}: sets a run up from its run file (checks every extension id and parameter against the
 * installed extensions, opens the models, builds the genome space), runs the {@link EvolutionEngine} with a journal
 * in the run folder, and writes {@code history.csv}, {@code best/} and finally the report. The run folder's format
 * is the run-folder module's ({@link RunFolder}); the evaluation side is {@link CandidateScoring}, the same for a
 * worker in another JVM ({@link #openCandidateEvaluator}).
 */
public final class EvolutionJob {

    /**
     * The best candidate's recipe of a mergekit-evolve run, in the run folder, named as mergekit-evolve names it (model
     * paths relative to the run folder, so {@code evomerge merge RUN_DIR/best_config.yaml OUT} rebuilds it).
     */
    public static final String MERGEKIT_BEST_CONFIG = "best_config.yaml";

    /**
     * @param runDir             the run folder
     * @param resume             continue the run in {@code runDir} instead of starting one
     * @param version            evomerge's version, for provenance
     * @param outputFormat       the id of the format {@code best/} and model-store individuals are written in
     *                           (the configuration's {@code output.format})
     * @param execution          where evaluations run, overriding the run file's {@code execution} (the CLI's
     *                           {@code --cluster}); empty = as the run file says
     * @param pluginDirs         the plugin folders this host loaded, for workers in other JVMs
     * @param allowVersionChange resume even when an extension's installed version is not the one journaled
     */
    public record Options(Path runDir, boolean resume, String version, String outputFormat,
                          Optional<RunFile.ExtensionChoice> execution, List<Path> pluginDirs,
                          boolean allowVersionChange) {

        public Options {
            pluginDirs = List.copyOf(pluginDirs);
        }

        /** Evaluations run where the run file says (the local worker pool when it says nothing). */
        public Options(Path runDir, boolean resume, String version, String outputFormat) {
            this(runDir, resume, version, outputFormat, Optional.empty(), List.of(), false);
        }
    }

    /** Writes the run's report ({@code plots/}, {@code report.html}) from the run folder. */
    @FunctionalInterface
    public interface ReportWriter {
        void write(Path runDir);

        /** No report: used until the report component is wired in. */
        ReportWriter NONE = runDir -> {
        };
    }

    /** What the run produced. */
    public record Result(Path runDir, EvolutionEngine.Outcome outcome, Path best) {
    }

    private EvolutionJob() {
    }

    /**
     * @param kinship the kinship measure, needed when the run file has a {@code kinship} section
     * @param report  writes the report at the end ({@link ReportWriter#NONE} for none)
     */
    public static Result run(RunFile run, ExtensionCatalog catalog, ModelFormats formats,
                             ArchitectureCatalog architectures, RunContext context, Options options,
                             ProgressReporter progress, Optional<KinshipMeasure> kinship, ReportWriter report) {
        if (!run.stages().isEmpty()) {
            return runStages(run, catalog, formats, architectures, context, options, progress, kinship, report);
        }
        if (run.kinship().isPresent() && kinship.isEmpty()) {
            throw EvomergeException.configuration(run.where("kinship") + ": 'kinship' needs the kinship component,"
                    + " which this build does not have");
        }
        Path runDir = options.runDir();
        RunFolder folder = new RunFolder(runDir);
        long seed = run.seed().orElse(context.random().seed());

        // Everything the run file names is checked, and every model and dataset opened, before the run folder is
        // touched: a run that cannot start leaves nothing behind.
        RunExtensions extensions = RunExtensions.resolve(run, catalog, options.execution(), context);
        ModelFormat output = formats.output(options.outputFormat()).format();
        if (options.resume()) {
            folder.checkResume(run.file(), run.text());
        } else {
            folder.checkNew();
        }
        RandomSource random = new SeededRandomSource(seed);
        CandidateScoring scoring = null;
        SubsetEstimateScoring subset = null;
        RunFolder.NewRun newRun = null;
        try {
            scoring = CandidateScoring.open(run, extensions.method(), extensions.evaluators(), catalog, formats,
                    architectures, context, seed, Math.max(1, context.threads() / run.workers()), Map.of());
            List<Genome> seeds = new ArrayList<>(scoring.start(random));
            if (run.subsetEstimate().isPresent()) {
                SubsetEstimateScoring.check(run, extensions.evaluators());
            }
            newRun = options.resume() ? null : folder.create(run.text());
            if (run.subsetEstimate().isPresent()) {
                subset = SubsetEstimateScoring.open(run, extensions.evaluators(), scoring, runDir,
                        context.child(random, ProgressReporter.SILENT, context.threads(), Map.of()));
            }

            // Extensions see the host's services (the inference engine above all) plus the run's own.
            Map<Class<?>, Object> services = new LinkedHashMap<>();
            FolderModelStore store = null;
            Optional<BiFunction<List<Genome>, RandomSource, Genome>> crossover = Optional.empty();
            if (run.genome().kind() == RunFile.GenomeKind.MODEL) {
                store = new FolderModelStore(folder.population(), formats, output, context.compute());
                services.put(ModelStore.class, store);
                Optional<String> base = scoring.base();
                if (base.isPresent()) {
                    services.put(KinshipOracle.class, TaskVectorKinshipOracle.forModelGenomes(
                            KinshipCalculator.of(context), new KinshipCalculator.NamedModel(base.get(),
                                    scoring.models().get(base.get())), formats, KinshipMetric.PCC));
                }
                for (Path p : run.models()) {
                    seeds.add(store.adopt(p, "input " + p.getFileName()));
                }
                crossover = Optional.of(ModelCrossover.of(run, extensions.method(), store, scoring.models(),
                        scoring.base(), context));
            }
            RunContext extensionContext = context.child(random, ProgressReporter.SILENT, context.threads(),
                    services);

            Lineage lineage = new Lineage();
            Optional<SelectionScheme> selection = extensions.selection().map(s -> ((SelectionSchemeFactory) s
                    .extension().factory()).create(s.parameters(), extensionContext));
            Optional<Mutation> mutation = extensions.mutation().map(m -> lineage.track(((MutationFactory) m
                    .extension().factory()).create(m.parameters(), extensionContext)));
            Objectives objectives = objectives(run, context);
            SearchProblem problem = new SearchProblem(scoring.space(), seeds, objectives.count(), selection, mutation,
                    crossover.map(lineage::track));
            SearchStrategy strategy = ((SearchStrategyFactory) extensions.strategy().extension().factory())
                    .create(problem, extensions.strategy().parameters(), extensionContext);

            CandidateBuilder builder = scoring.builder(Optional.ofNullable(store), runDir);
            CandidateScorer scorer = scoring.scorer(builder);
            CandidateEvaluator evaluator = subset == null ? task -> scorer.score(task.genome(), task.full())
                    : subset.evaluator(builder);
            Supplier<EvaluationExecutor> executor = executor(run, extensions, scoring, evaluator, options, context,
                    random, seed, services);
            List<ExtensionVersion> versions = extensions.versions(formats(catalog, scoring, options));
            CandidateScoring candidates = scoring;

            try (JournalWriter journal = JournalWriter.open(runDir)) {
                EvolutionEngine engine = new EvolutionEngine(journal, strategy, executor, lineage,
                        new EvolutionEngine.Settings(extensions.strategy().extension().descriptor().id(), seed,
                                objectives, run.budget(), run.workers(), run.multiFidelity()
                                .map(m -> OptionalDouble.of(m.keep())).orElse(OptionalDouble.empty()),
                                run.kinship().map(k -> new EvolutionEngine.KinshipCheck(k, genomes ->
                                        kinshipMatrix(genomes, builder, kinship.get(), candidates, k))),
                                versions, options.allowVersionChange()),
                        progress, context.logger("evolution"), stats -> HistoryFile.write(runDir, stats));
                EvolutionEngine.Outcome outcome = engine.run();
                HistoryFile.write(runDir, outcome.generations());
                Path best;
                List<String> hubIds = new ArrayList<>();
                scoring.models().forEach((path, model) -> HubModelId.of(Path.of(path), model.config().raw())
                        .filter(id -> !hubIds.contains(id)).ifPresent(hubIds::add));
                try (Model model = builder.build(outcome.best().genome())) {
                    best = BestModelExport.write(runDir, model, output,
                            context.scratch(), builder.recipeFile(outcome.best().genome(), folder.best()), hubIds,
                            outcome, extensions.strategy().extension().descriptor().id(), seed, options.version());
                }
                if (run.genome().kind() == RunFile.GenomeKind.MERGEKIT_EVOLVE) {
                    writeReplacing(runDir.resolve(MERGEKIT_BEST_CONFIG),
                            builder.recipeFile(outcome.best().genome(), runDir).orElseThrow());
                }
                // The report component (plots, report.html) is called here; it reads only the run folder.
                report.write(runDir);
                return new Result(runDir, outcome, best);
            }
        } catch (RuntimeException | Error e) {
            if (newRun != null) {
                newRun.discardIfNothingEvaluated(e);
            }
            throw e;
        } finally {
            if (subset != null) {
                subset.close();
            }
            if (scoring != null) {
                scoring.close();
            }
        }
    }

    /**
     * A run file with stages (Sakana's PS+DFS: a recipe stage, then a layer-path stage whose model 0 is the first
     * stage's best model): each stage is an ordinary run in its own folder {@code stages/<number>-<name>/} of
     * {@code runDir}, run in order, then the report of the whole run. On resume, a stage that finished (its journal's
     * {@code finish} line and its {@code best/}) is skipped, except the last, which is resumed as a finished run is
     * (only {@code best/}, {@code history.csv} and its report are rewritten); the stage that was going resumes from
     * its journal, so nothing journaled is evaluated again; later stages start. A stage's models that are an earlier
     * stage's best model are that stage's {@code best/}, written once when it finished.
     *
     * @return the run folder, the last stage's outcome and its best model
     */
    private static Result runStages(RunFile run, ExtensionCatalog catalog, ModelFormats formats,
                                    ArchitectureCatalog architectures, RunContext context, Options options,
                                    ProgressReporter progress, Optional<KinshipMeasure> kinship,
                                    ReportWriter report) {
        if (options.execution().isPresent()) {
            throw EvomergeException.configuration(run.file() + ": a run file with stages evaluates on the local"
                    + " worker pool; " + options.execution().get().key() + " is not supported for it");
        }
        // Every stage's extension ids and parameters are checked before the run folder is touched; the models of a
        // stage that come from an earlier stage exist only once that stage has run.
        for (RunFile stage : run.stages()) {
            if (stage.kinship().isPresent() && stage.baseModel().isEmpty()) {
                throw EvomergeException.configuration(stage.where("kinship") + ": 'kinship' compares task vectors"
                        + " and needs a base_model");
            }
            RunExtensions.resolve(stage, catalog, Optional.empty(), context);
        }
        Path runDir = options.runDir();
        RunFolder folder = new RunFolder(runDir);
        if (options.resume()) {
            folder.checkResume(run.file(), run.text());
        } else {
            folder.checkNew();
        }
        RunFolder.NewRun newRun = options.resume() ? null : folder.create(run.text());
        try {
            Result last = null;
            List<RunFile> stages = run.stages();
            // Every stage's folder from the start, so that the report lists the stages not yet started.
            for (RunFile stage : stages) {
                RunFile.Stage which = stage.stage().orElseThrow();
                Files.createDirectories(folder.stage(which.number(), which.name()).dir());
            }
            for (int i = 0; i < stages.size(); i++) {
                RunFile stage = stages.get(i).inRunFolder(runDir);
                RunFile.Stage which = stage.stage().orElseThrow();
                RunFolder stageFolder = folder.stage(which.number(), which.name());
                if (i < stages.size() - 1 && stageFolder.finished()) {
                    continue;
                }
                boolean resumeStage = Files.exists(stageFolder.runFile());
                last = run(stage, catalog, formats, architectures, context, new Options(stageFolder.dir(),
                        resumeStage, options.version(), options.outputFormat(), Optional.empty(),
                        options.pluginDirs(), options.allowVersionChange()), progress, kinship, report);
            }
            report.write(runDir);
            return new Result(runDir, last.outcome(), last.best());
        } catch (IOException e) {
            EvomergeException failure = EvomergeException.input(runDir + ": cannot create the stage folders: "
                    + e.getMessage(), e);
            if (newRun != null) {
                newRun.discardIfNothingEvaluated(failure);
            }
            throw failure;
        } catch (RuntimeException | Error e) {
            if (newRun != null && folder.stages().stream().noneMatch(st -> st.folder().anyEvaluation())) {
                newRun.discardIfNothingEvaluated(e);
            }
            throw e;
        }
    }

    /**
     * The evaluation side of a run in a worker JVM: the same {@link CandidateScoring} as the coordinator's, from the
     * run file's text, with each model checked against the coordinator's content hash and each candidate merged on
     * the threads the run description names. Recipe and layer-path genomes only.
     *
     * @param context the worker's host services (inference engine, compute backend, scratch)
     */
    public static CandidateEvaluator openCandidateEvaluator(EvaluationRun description, ExtensionCatalog catalog,
                                                            ModelFormats formats, ArchitectureCatalog architectures,
                                                            RunContext context) {
        RunFile run = RunFileReader.parse(description.runFileText(), description.runFile());
        RegisteredExtension method = RunExtensions.mergeMethod(run, catalog, " on this worker", context);
        List<RegisteredExtension> evaluators = RunExtensions.evaluators(run, catalog, " on this worker");
        if (run.genome().kind() == RunFile.GenomeKind.MODEL) {
            throw EvomergeException.configuration(run.file() + ": whole-model genomes cannot be evaluated on a"
                    + " worker");
        }
        CandidateScoring scoring = CandidateScoring.open(run, method, evaluators, catalog, formats, architectures,
                context, description.seed(), description.threads(), description.modelHashes());
        CandidateScorer scorer = scoring.scorer(scoring.builder(Optional.empty(), run.file().getParent()));
        return new CandidateEvaluator() {
            @Override
            public Map<String, EvaluationResult> evaluate(EvaluationTask task) {
                return scorer.score(task.genome(), task.full());
            }

            @Override
            public void close() {
                scoring.close();
            }
        };
    }

    /** Where evaluations run: the local worker pool, or the executor the run names with the run's description. */
    private static Supplier<EvaluationExecutor> executor(RunFile run, RunExtensions extensions,
                                                         CandidateScoring scoring, CandidateEvaluator evaluator,
                                                         Options options, RunContext context, RandomSource random,
                                                         long seed, Map<Class<?>, Object> services) {
        if (extensions.executor().isEmpty()) {
            return () -> new LocalEvaluationExecutor(evaluator, run.workers());
        }
        EvaluationRun description = new EvaluationRun(run.file(), run.text(), scoring.hashes(), options.pluginDirs(),
                seed, context.threads());
        Map<Class<?>, Object> executorServices = new LinkedHashMap<>(services);
        executorServices.put(EvaluationRun.class, description);
        executorServices.put(CandidateEvaluator.class, evaluator);
        RunContext executorContext = context.child(random.fork("execution"), ProgressReporter.SILENT,
                context.threads(), executorServices);
        RunExtensions.Configured configured = extensions.executor().get();
        EvaluationExecutorFactory factory = (EvaluationExecutorFactory) configured.extension().factory();
        return () -> factory.create(configured.parameters(), run.workers(), executorContext);
    }

    /** The model formats the run reads its models with, then the one it writes with. */
    private static List<RegisteredExtension> formats(ExtensionCatalog catalog, CandidateScoring scoring,
                                                     Options options) {
        List<String> ids = new ArrayList<>(scoring.formatIds().values());
        ids.add(options.outputFormat());
        List<RegisteredExtension> formats = new ArrayList<>();
        for (String id : ids) {
            catalog.find(ExtensionKind.MODEL_FORMAT, id).filter(f -> !formats.contains(f)).ifPresent(formats::add);
        }
        return formats;
    }

    /** The kinship of candidates' models: built, measured against the base model, closed. */
    private static double[][] kinshipMatrix(List<Genome> genomes, CandidateBuilder builder, KinshipMeasure measure,
                                            CandidateScoring scoring, RunFile.Kinship settings) {
        List<Model> built = new ArrayList<>();
        try {
            for (Genome g : genomes) {
                built.add(builder.build(g));
            }
            return measure.matrix(built, scoring.base().map(scoring.models()::get), settings.metric());
        } finally {
            built.forEach(Model::close);
        }
    }

    private static Objectives objectives(RunFile run, RunContext context) {
        Map<String, Double> weights = new LinkedHashMap<>();
        run.tasks().forEach(t -> weights.put(t.name(), t.weight()));
        TaskWeights taskWeights = new TaskWeights(weights, run.tasks().stream().anyMatch(RunFile.Task::weightGiven));
        System.Logger logger = context.logger("evolution");
        return new Objectives(run.objectives(), taskWeights, w -> logger.log(System.Logger.Level.WARNING, w));
    }

    /** Writes {@code text} under a temporary name and renames it over {@code file}. */
    private static void writeReplacing(Path file, String text) {
        Path temporary = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
