package org.evomerge.engine.evolution;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.evaluation.TaskWeights;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionFactory;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.execution.CandidateEvaluator;
import org.evomerge.api.execution.EvaluationExecutor;
import org.evomerge.api.execution.EvaluationExecutorFactory;
import org.evomerge.api.execution.EvaluationRun;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.LayerPathGenome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.merge.ModelTensor;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.search.KinshipOracle;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationFactory;
import org.evomerge.api.parameter.InvalidParameterException;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.api.search.SearchStrategyFactory;
import org.evomerge.api.selection.SelectionScheme;
import org.evomerge.api.selection.SelectionSchemeFactory;
import org.evomerge.api.tensor.DType;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.evaluation.WeightsHash;
import org.evomerge.engine.evolution.genome.LayerPathSpace;
import org.evomerge.engine.execution.LocalEvaluationExecutor;
import org.evomerge.engine.evolution.genome.RecipeSpace;
import org.evomerge.engine.evolution.store.FolderModelStore;
import org.evomerge.engine.merge.HubModelId;
import org.evomerge.engine.input.ClosestNames;
import org.evomerge.engine.merge.InMemoryMerge;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.kinship.KinshipCalculator;
import org.evomerge.engine.kinship.KinshipMetric;
import org.evomerge.engine.kinship.TaskVectorKinshipOracle;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.plugin.RegisteredExtension;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;

/**
 * {@code evomerge evolve}: sets a run up from its run file (checks every extension id and parameter against the
 * installed extensions, opens the models, builds the genome space), runs the {@link EvolutionEngine} with a journal
 * in the run folder, and writes {@code history.csv}, {@code best/} and finally the report.
 *
 * <p>Run folder layout (shared with {@code evomerge report}): {@code run.yml}, {@code journal.jsonl},
 * {@code history.csv}, {@code best/}, {@code population/} (whole-weight runs only), and what the report writes.
 */
public final class EvolutionJob {

    /**
     * @param runDir       the run folder
     * @param resume       continue the run in {@code runDir} instead of starting one
     * @param version      evomerge's version, for provenance
     * @param outputFormat the format {@code best/} and model-store individuals are written in ({@code safetensors})
     * @param execution    where evaluations run, overriding the run file's {@code execution} (the CLI's
     *                     {@code --cluster}); empty = as the run file says
     * @param pluginDirs   the plugin folders this host loaded, for workers in other JVMs
     */
    public record Options(Path runDir, boolean resume, String version, String outputFormat,
                          Optional<RunFile.ExtensionChoice> execution, List<Path> pluginDirs) {

        public Options {
            pluginDirs = List.copyOf(pluginDirs);
        }

        /** Evaluations run where the run file says (the local worker pool when it says nothing). */
        public Options(Path runDir, boolean resume, String version, String outputFormat) {
            this(runDir, resume, version, outputFormat, Optional.empty(), List.of());
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
        if (run.kinship().isPresent() && kinship.isEmpty()) {
            throw EvomergeException.configuration(run.where("kinship") + ": 'kinship' needs the kinship component,"
                    + " which this build does not have");
        }
        Path runDir = options.runDir();
        long seed = run.seed().orElse(context.random().seed());
        Path file = run.file();

        // Everything the run file names is checked, and every model and dataset opened, before the run folder is
        // touched: a run that cannot start leaves nothing behind.
        RegisteredExtension strategyExtension = find(catalog, ExtensionKind.SEARCH_STRATEGY, run.strategy(), run);
        Parameters strategyParameters = validate(strategyExtension.descriptor(), run.strategy().parameters(),
                run, run.strategy().key() + ".parameters");
        checkGenomeCapability(strategyExtension.descriptor(), run.genome().kind(), run, "strategy");
        Optional<RegisteredExtension> selectionExtension = run.selection()
                .map(c -> find(catalog, ExtensionKind.SELECTION_SCHEME, c, run));
        Optional<Parameters> selectionParameters = selectionExtension.map(e -> validate(e.descriptor(),
                run.selection().get().parameters(), run, run.selection().get().key() + ".parameters"));
        Optional<RegisteredExtension> mutationExtension = run.mutation()
                .map(c -> find(catalog, ExtensionKind.MUTATION, c, run));
        mutationExtension.ifPresent(m -> checkGenomeCapability(m.descriptor(), run.genome().kind(), run, "mutation"));
        Optional<Parameters> mutationParameters = mutationExtension.map(e -> validate(e.descriptor(),
                run.mutation().get().parameters(), run, run.mutation().get().key() + ".parameters"));
        RegisteredExtension method = catalog.require(ExtensionKind.MERGE_METHOD, run.genome().mergeMethod(),
                run.where("genome.merge_method") + ": 'genome.merge_method'");
        List<RegisteredExtension> evaluatorExtensions = new ArrayList<>();
        for (RunFile.Task task : run.tasks()) {
            evaluatorExtensions.add(catalog.require(ExtensionKind.EVALUATOR, task.evaluator(), task.key()));
        }
        Optional<RunFile.ExtensionChoice> executionChoice = options.execution().or(run::execution)
                .filter(c -> !c.id().equals(LocalEvaluationExecutor.ID));
        Optional<RegisteredExtension> executorExtension = executionChoice.map(c -> catalog
                .find(ExtensionKind.EVALUATION_EXECUTOR, c.id()).orElseThrow(() -> EvomergeException.configuration(
                        run.where(c.key()) + ": '" + c.key() + "': unknown evaluation executor '" + c.id() + "'"
                                + ClosestNames.hint(c.id(), executorIds(catalog)) + "; installed: "
                                + String.join(", ", executorIds(catalog))
                                + (c.id().equals("spark") ? " (the spark executor comes with the cluster bundle,"
                                + " docs/cluster.md)" : ""))));
        Optional<Parameters> executorParameters = executorExtension.map(e -> validate(e.descriptor(),
                executionChoice.get().parameters(), run, executionChoice.get().key() + ".parameters"));
        if (executorExtension.isPresent() && run.genome().kind() == RunFile.GenomeKind.MODEL) {
            throw EvomergeException.configuration(run.where(executionChoice.get().key()) + ": '"
                    + executionChoice.get().key() + "': whole-model genomes live in the coordinator's model store;"
                    + " executor '" + executionChoice.get().id() + "' runs recipe and layer-path genomes only");
        }
        if (run.objectives() == RunFile.ObjectiveMode.SEPARATE && run.tasks().size() > 1
                && selectionExtension.isPresent()
                && !selectionExtension.get().descriptor().has(Capability.MULTI_OBJECTIVE)) {
            context.logger("evolution").log(System.Logger.Level.WARNING, "selection '"
                    + selectionExtension.get().descriptor().id() + "' ranks by the first objective only");
        }
        checkRunFolder(run, runDir, options.resume());

        RandomSource random = new SeededRandomSource(seed);
        // Extensions see the host's services (the inference engine above all) plus the run's own.
        Map<Class<?>, Object> services = new LinkedHashMap<>();
        Map<String, Model> models = new LinkedHashMap<>();
        List<Evaluator> evaluators = new ArrayList<>();
        NewRunFolder newFolder = null;
        try {
            List<String> references = new ArrayList<>();
            for (int i = 0; i < run.models().size(); i++) {
                Path p = run.models().get(i);
                references.add(p.toString());
                models.put(p.toString(), open(formats, p, run, "models[" + i + "]"));
            }
            Optional<String> base = run.baseModel().map(Path::toString);
            if (base.isPresent() && !models.containsKey(base.get())) {
                models.put(base.get(), open(formats, run.baseModel().get(), run, "base_model"));
            }
            Model reference = models.get(base.orElse(references.getFirst()));
            DType storage = run.genome().storage().equals("float32") ? DType.F32 : DType.BF16;
            Optional<String> outDtype = Optional.of(run.genome().storage());

            SearchSpace space = new SearchSpace(List.of());
            List<Genome> seeds = new ArrayList<>();
            RecipeSpace recipeSpace = null;
            LayerPathSpace pathSpace = null;
            Optional<BiFunction<List<Genome>, RandomSource, Genome>> crossover = Optional.empty();
            switch (run.genome().kind()) {
                case RECIPE -> {
                    RunFile.GenomeSettings g = run.genome();
                    validate(method.descriptor(), g.methodParameters(), EnumSet.of(ParameterScope.GLOBAL), run,
                            "genome.method_parameters");
                    recipeSpace = new RecipeSpace(method.descriptor(), references, base, reference.config().numLayers(),
                            g.layerGroups(), g.filters(), g.parameters(), g.bounds(), g.init(), g.initValues(),
                            g.smooth(), g.allowNegativeWeights(), g.methodParameters(), outDtype, file);
                    space = recipeSpace.space();
                    seeds.add(recipeSpace.start(random.fork("init")));
                }
                case LAYER_PATH -> {
                    pathSpace = new LayerPathSpace(references, layerCounts(run, models, references),
                            run.genome().repeats(), run.genome().scaleBounds(), outDtype);
                    space = pathSpace.space();
                    seeds.add(pathSpace.start());
                }
                case MODEL -> validate(method.descriptor(), run.genome().methodParameters(), run,
                        "genome.method_parameters");
            }
            // Evaluators open their datasets when created. They use no run-folder service (the model store), so
            // they are created with the host's services before the folder exists.
            RunContext evaluatorContext = context.child(random, ProgressReporter.SILENT, context.threads(),
                    services);
            List<Evaluator> screens = createEvaluators(run, evaluatorExtensions, evaluatorContext, evaluators);

            newFolder = prepareRunFolder(run, runDir, options.resume()).orElse(null);
            FolderModelStore store = null;
            if (run.genome().kind() == RunFile.GenomeKind.MODEL) {
                store = new FolderModelStore(runDir.resolve("population"), formats,
                        formats.byId(options.outputFormat()).format(), context.compute());
                services.put(ModelStore.class, store);
                if (base.isPresent()) {
                    services.put(KinshipOracle.class, TaskVectorKinshipOracle.forModelGenomes(
                            KinshipCalculator.of(context), new KinshipCalculator.NamedModel(base.get(),
                                    models.get(base.get())), formats, KinshipMetric.PCC));
                }
            }
            RunContext extensionContext = context.child(random, ProgressReporter.SILENT, context.threads(),
                    services);
            int mergeThreads = Math.max(1, context.threads() / run.workers());
            long mergeSeed = mergeSeed(seed);
            RunContext mergeContext = context.child(new SeededRandomSource(mergeSeed), ProgressReporter.SILENT,
                    mergeThreads, services);

            if (store != null) {
                for (Path p : run.models()) {
                    seeds.add(store.adopt(p, "input " + p.getFileName()));
                }
                crossover = Optional.of(modelCrossover(run, method, store, models, base, context));
            }

            Lineage lineage = new Lineage();
            Optional<SelectionScheme> selection = selectionExtension.map(e -> ((SelectionSchemeFactory) e.factory())
                    .create(selectionParameters.get(), extensionContext));
            Optional<Mutation> mutation = mutationExtension.map(e -> lineage.track(((MutationFactory) e.factory())
                    .create(mutationParameters.get(), extensionContext)));
            Objectives objectives = objectives(run, context);
            SearchProblem problem = new SearchProblem(space, seeds, objectives.count(), selection, mutation,
                    crossover.map(lineage::track));
            SearchStrategy strategy = ((SearchStrategyFactory) strategyExtension.factory())
                    .create(problem, strategyParameters, extensionContext);

            RecipeSpace recipes = recipeSpace;
            LayerPathSpace paths = pathSpace;
            ModelStore modelStore = store;
            CandidateBuilder builder = new CandidateBuilder(recipes, paths, modelStore, references, outDtype, models,
                    catalog, architectures, mergeContext, mergeSeed, storage, runDir);
            List<Evaluator> full = evaluators.subList(0, run.tasks().size());
            CandidateScorer scorer = (genome, fullFidelity) -> {
                List<Evaluator> use = fullFidelity || screens.isEmpty() ? full : screens;
                try (Model model = builder.build(genome)) {
                    Map<String, EvaluationResult> results = new LinkedHashMap<>();
                    for (int i = 0; i < run.tasks().size(); i++) {
                        results.put(run.tasks().get(i).name(), use.get(i).evaluate(model));
                    }
                    return results;
                }
            };

            java.util.function.Supplier<EvaluationExecutor> executor;
            if (executorExtension.isPresent()) {
                Map<String, String> hashes = new LinkedHashMap<>();
                models.forEach((path, model) -> hashes.put(path, WeightsHash.of(model)));
                EvaluationRun description = new EvaluationRun(run.file(), run.text(), hashes, options.pluginDirs(),
                        seed, context.threads());
                Map<Class<?>, Object> executorServices = new LinkedHashMap<>(services);
                executorServices.put(EvaluationRun.class, description);
                executorServices.put(CandidateEvaluator.class, (CandidateEvaluator) task -> scorer.score(task.genome(),
                        task.full()));
                RunContext executorContext = context.child(random.fork("execution"), ProgressReporter.SILENT,
                        context.threads(), executorServices);
                EvaluationExecutorFactory factory = (EvaluationExecutorFactory) executorExtension.get().factory();
                executor = () -> factory.create(executorParameters.get(), run.workers(), executorContext);
            } else {
                executor = () -> new LocalEvaluationExecutor(task -> scorer.score(task.genome(), task.full()),
                        run.workers());
            }

            try (RunJournal journal = RunJournal.open(runDir)) {
                EvolutionEngine engine = new EvolutionEngine(journal, strategy, executor, lineage,
                        new EvolutionEngine.Settings(strategyExtension.descriptor().id(), seed, objectives,
                                run.budget(), run.workers(), run.multiFidelity().map(m -> OptionalDouble.of(m.keep()))
                                .orElse(OptionalDouble.empty()),
                                run.kinship().map(k -> new EvolutionEngine.KinshipCheck(k, genomes -> {
                                    List<Model> built = new ArrayList<>();
                                    try {
                                        for (Genome g : genomes) {
                                            built.add(builder.build(g));
                                        }
                                        return kinship.get().matrix(built, base.map(models::get), k.metric());
                                    } finally {
                                        built.forEach(Model::close);
                                    }
                                }))),
                        progress, stats -> RunFiles.writeHistory(runDir, stats));
                EvolutionEngine.Outcome outcome = engine.run();
                RunFiles.writeHistory(runDir, outcome.generations());
                Path best;
                List<String> hubIds = new ArrayList<>();
                models.forEach((path, model) -> HubModelId.of(Path.of(path), model.config().raw())
                        .filter(id -> !hubIds.contains(id)).ifPresent(hubIds::add));
                try (Model model = builder.build(outcome.best().genome())) {
                    best = BestModelExport.write(runDir, model, formats.byId(options.outputFormat()).format(),
                            context.scratch(), builder.recipeFile(outcome.best().genome(),
                                    runDir.resolve(BestModelExport.FOLDER)), hubIds, outcome,
                            strategyExtension.descriptor().id(), seed, options.version());
                }
                // The report component (plots, report.html) is called here; it reads only the run folder.
                report.write(runDir);
                return new Result(runDir, outcome, best);
            }
        } catch (RuntimeException | Error e) {
            if (newFolder != null) {
                newFolder.discardIfNothingEvaluated(e);
            }
            throw e;
        } finally {
            evaluators.forEach(Evaluator::close);
            models.values().forEach(Model::close);
        }
    }

    /**
     * The evaluation side of a run in a worker JVM: opens the run's models (refusing any whose content hash differs
     * from the coordinator's), rebuilds the genome space from the run file, creates the evaluators, and scores
     * candidates exactly as the coordinator's local workers would. Recipe and layer-path genomes only.
     *
     * @param context the worker's host services (inference engine, compute backend, scratch)
     */
    public static CandidateEvaluator openCandidateEvaluator(EvaluationRun description, ExtensionCatalog catalog,
                                                            ModelFormats formats, ArchitectureCatalog architectures,
                                                            RunContext context) {
        RunFile run = RunFileReader.parse(description.runFileText(), description.runFile());
        Path file = run.file();
        RegisteredExtension method = catalog.require(ExtensionKind.MERGE_METHOD, run.genome().mergeMethod(),
                run.where("genome.merge_method") + ": 'genome.merge_method' on this worker");
        List<RegisteredExtension> evaluatorExtensions = new ArrayList<>();
        for (RunFile.Task task : run.tasks()) {
            evaluatorExtensions.add(catalog.require(ExtensionKind.EVALUATOR, task.evaluator(),
                    task.key() + " on this worker"));
        }
        if (run.genome().kind() == RunFile.GenomeKind.MODEL) {
            throw EvomergeException.configuration(file + ": whole-model genomes cannot be evaluated on a worker");
        }
        RandomSource random = new SeededRandomSource(description.seed());
        Map<Class<?>, Object> services = new LinkedHashMap<>();
        Map<String, Model> models = new LinkedHashMap<>();
        List<Evaluator> evaluators = new ArrayList<>();
        try {
            List<String> references = new ArrayList<>();
            List<Path> paths = new ArrayList<>(run.models());
            run.baseModel().filter(b -> !run.models().contains(b)).ifPresent(paths::add);
            for (Path p : paths) {
                Model model = open(formats, p, run, p.equals(run.baseModel().orElse(null)) ? "base_model"
                        : "models[" + run.models().indexOf(p) + "]");
                models.put(p.toString(), model);
                if (run.models().contains(p)) {
                    references.add(p.toString());
                }
                String expected = description.modelHashes().get(p.toString());
                String actual = WeightsHash.of(model);
                if (expected != null && !expected.equals(actual)) {
                    throw EvomergeException.input("model '" + p + "' on this worker differs from the coordinator's"
                            + " (content hash " + actual.substring(0, 12) + " here, " + expected.substring(0, 12)
                            + " on the coordinator); copy the same model to every worker", null);
                }
            }
            Optional<String> base = run.baseModel().map(Path::toString);
            Model reference = models.get(base.orElse(references.getFirst()));
            DType storage = run.genome().storage().equals("float32") ? DType.F32 : DType.BF16;
            Optional<String> outDtype = Optional.of(run.genome().storage());
            RecipeSpace recipeSpace = null;
            LayerPathSpace pathSpace = null;
            if (run.genome().kind() == RunFile.GenomeKind.RECIPE) {
                RunFile.GenomeSettings g = run.genome();
                recipeSpace = new RecipeSpace(method.descriptor(), references, base, reference.config().numLayers(),
                        g.layerGroups(), g.filters(), g.parameters(), g.bounds(), g.init(), g.smooth(),
                        g.allowNegativeWeights(), g.methodParameters(), outDtype, file);
            } else {
                pathSpace = new LayerPathSpace(references, layerCounts(run, models, references),
                        run.genome().repeats(), run.genome().scaleBounds(), outDtype);
            }
            RunContext extensionContext = context.child(random, ProgressReporter.SILENT, context.threads(),
                    services);
            long mergeSeed = mergeSeed(description.seed());
            RunContext mergeContext = context.child(new SeededRandomSource(mergeSeed), ProgressReporter.SILENT,
                    context.threads(), services);
            List<Evaluator> screens = createEvaluators(run, evaluatorExtensions, extensionContext, evaluators);
            CandidateBuilder builder = new CandidateBuilder(recipeSpace, pathSpace, null, references, outDtype, models,
                    catalog, architectures, mergeContext, mergeSeed, storage, file.getParent());
            List<Evaluator> full = List.copyOf(evaluators.subList(0, run.tasks().size()));
            List<Evaluator> opened = List.copyOf(evaluators);
            return new CandidateEvaluator() {
                @Override
                public Map<String, EvaluationResult> evaluate(org.evomerge.api.execution.EvaluationTask task) {
                    List<Evaluator> use = task.full() || screens.isEmpty() ? full : screens;
                    try (Model model = builder.build(task.genome())) {
                        Map<String, EvaluationResult> results = new LinkedHashMap<>();
                        for (int i = 0; i < run.tasks().size(); i++) {
                            results.put(run.tasks().get(i).name(), use.get(i).evaluate(model));
                        }
                        return results;
                    }
                }

                @Override
                public void close() {
                    opened.forEach(Evaluator::close);
                    models.values().forEach(Model::close);
                }
            };
        } catch (RuntimeException | Error e) {
            evaluators.forEach(Evaluator::close);
            models.values().forEach(Model::close);
            throw e;
        }
    }

    /**
     * The root seed of every candidate's in-memory merge in a run with seed {@code runSeed}: each tensor's randomness
     * forks from it by tensor name, as in {@code evomerge merge} with this root seed, so a recipe that records it
     * ({@code random_seed}) rebuilds the scored model bit for bit. The same for all candidates, and for workers in
     * other JVMs.
     */
    static long mergeSeed(long runSeed) {
        return new SeededRandomSource(runSeed).fork("merge").seed();
    }

    /**
     * Builds candidate models from genomes: an in-memory merge of a recipe or path (in {@code mergeContext}, whose
     * random source is {@code SeededRandomSource(mergeSeed)}), or a store individual.
     */
    private record CandidateBuilder(RecipeSpace recipes, LayerPathSpace paths, ModelStore store,
                                    List<String> references, Optional<String> outDtype, Map<String, Model> models,
                                    ExtensionCatalog catalog, ArchitectureCatalog architectures,
                                    RunContext mergeContext, long mergeSeed, DType storage, Path runDir) {

        /**
         * The recipe of {@code genome} as a file in {@code folder} that rebuilds its merge exactly: model paths
         * relative to the folder, {@code random_seed} = {@link #mergeSeed}. Empty for whole-model genomes.
         */
        Optional<String> recipeFile(Genome genome, Path folder) {
            return switch (genome) {
                case ParameterGenome p when recipes != null -> Optional.of(recipes.recipeFile(p, folder, mergeSeed));
                case ParameterGenome p when paths != null ->
                        Optional.of(paths.recipeFile(paths.decode(p), folder, mergeSeed));
                case LayerPathGenome l ->
                        Optional.of(LayerPathSpace.recipeFile(l, references, outDtype, folder, mergeSeed));
                case ParameterGenome p -> Optional.empty();
                case ModelGenome m -> Optional.empty();
            };
        }

        Optional<String> recipe(Genome genome) {
            return switch (genome) {
                case ParameterGenome p when recipes != null -> Optional.of(recipes.recipe(p));
                case ParameterGenome p when paths != null -> Optional.of(paths.recipe(paths.decode(p)));
                case LayerPathGenome l -> Optional.of(LayerPathSpace.recipe(l, references, outDtype));
                case ParameterGenome p -> throw EvomergeException.configuration("the strategy asked a parameter genome"
                        + " but the run's genome kind is 'model'");
                case ModelGenome m -> Optional.empty();
            };
        }

        Model build(Genome genome) {
            if (genome instanceof ModelGenome m) {
                if (store == null) {
                    throw EvomergeException.configuration("the strategy asked a whole-model genome but the run's"
                            + " genome kind is not 'model'");
                }
                return store.open(m);
            }
            String text = recipe(genome).orElseThrow();
            MergeRecipe recipe = RecipeReader.parse(text, runDir.resolve("candidate.yml"));
            return InMemoryMerge.merge(recipe, catalog, models, architectures, mergeContext, storage);
        }
    }

    /** Crossover of whole models through the run's merge method, as the store's tensor combiner. */
    private static BiFunction<List<Genome>, RandomSource, Genome> modelCrossover(
            RunFile run, RegisteredExtension method, ModelStore store, Map<String, Model> models, Optional<String> base,
            RunContext context) {
        ExtensionDescriptor d = method.descriptor();
        Map<String, Object> raw = run.genome().methodParameters();
        Parameters global = validate(d, raw, EnumSet.of(ParameterScope.GLOBAL), run, "genome.method_parameters");
        Parameters perModel = validate(d, raw, EnumSet.of(ParameterScope.PER_MODEL), run, "genome.method_parameters");
        Parameters perTensor = validate(d, raw, EnumSet.of(ParameterScope.PER_TENSOR), run, "genome.method_parameters");
        MergeMethod merge = ((MergeMethodFactory) method.factory()).create(global, context);
        boolean usesBase = d.has(Capability.REQUIRES_BASE_MODEL) || d.has(Capability.ACCEPTS_BASE_MODEL);
        if (d.has(Capability.REQUIRES_BASE_MODEL) && !d.has(Capability.EXACTLY_TWO_MODELS) && base.isEmpty()) {
            throw EvomergeException.configuration(run.where("genome.merge_method") + ": 'base_model' is missing;"
                    + " crossover method '" + d.id() + "' needs one");
        }
        if (d.has(Capability.LAYER_STACKING)) {
            throw EvomergeException.configuration(run.where("genome.merge_method") + ": 'genome.merge_method': '"
                    + d.id() + "' cannot combine whole models");
        }
        Optional<Model> baseModel = usesBase ? base.map(models::get) : Optional.empty();
        return (parents, random) -> {
            List<ModelGenome> individuals = new ArrayList<>();
            for (Genome g : parents) {
                if (!(g instanceof ModelGenome m)) {
                    throw new IllegalArgumentException("model crossover needs whole-model genomes, got " + g);
                }
                individuals.add(m);
            }
            // Two-model methods (SLERP) interpolate between the parents, the first parent as the base (EvoMerge's
            // convention); task-vector methods take the run's base model.
            boolean betweenParents = d.has(Capability.EXACTLY_TWO_MODELS) && individuals.size() == 2;
            return store.combine(individuals, (name, shape, values) -> {
                List<ModelTensor> tensors = new ArrayList<>();
                for (int i = betweenParents ? 1 : 0; i < values.size(); i++) {
                    tensors.add(new ModelTensor("parent" + i, values.get(i), perModel));
                }
                if (betweenParents) {
                    return merge.merge(new MergeInput(name, shape, tensors,
                            Optional.of(new ModelTensor("parent0", values.get(0), perModel)), perTensor,
                            random.fork(name)));
                }
                Optional<ModelTensor> baseTensor = baseModel.flatMap(b -> b.tensors().find(name).map(info -> {
                    float[] v = new float[Math.toIntExact(info.shape().elementCount())];
                    context.compute().toFloat(b.tensors().tensor(name).data(), info.dtype(), v, v.length);
                    return new ModelTensor("base", v, Parameters.EMPTY);
                }));
                return merge.merge(new MergeInput(name, shape, tensors, baseTensor, perTensor, random.fork(name)));
            }, "crossover:" + d.id());
        };
    }

    private static Objectives objectives(RunFile run, RunContext context) {
        Map<String, Double> weights = new LinkedHashMap<>();
        run.tasks().forEach(t -> weights.put(t.name(), t.weight()));
        TaskWeights taskWeights = new TaskWeights(weights, run.tasks().stream().anyMatch(RunFile.Task::weightGiven));
        System.Logger logger = context.logger("evolution");
        return new Objectives(run.objectives(), taskWeights, w -> logger.log(System.Logger.Level.WARNING, w));
    }

    /**
     * Creates one evaluator per task into {@code evaluators}, then, for multi-fidelity runs, one screening evaluator
     * per task after them (closed with the others), and returns the screening ones.
     */
    private static List<Evaluator> createEvaluators(RunFile run, List<RegisteredExtension> evaluatorExtensions,
                                                    RunContext context, List<Evaluator> evaluators) {
        for (int i = 0; i < run.tasks().size(); i++) {
            evaluators.add(evaluator(run.tasks().get(i), evaluatorExtensions.get(i), Optional.empty(), context));
        }
        List<Evaluator> screens = new ArrayList<>();
        if (run.multiFidelity().isPresent()) {
            for (int i = 0; i < run.tasks().size(); i++) {
                Evaluator e = evaluator(run.tasks().get(i), evaluatorExtensions.get(i), run.multiFidelity(), context);
                evaluators.add(e);
                screens.add(e);
            }
        }
        return screens;
    }

    private static Evaluator evaluator(RunFile.Task task, RegisteredExtension extension,
                                       Optional<RunFile.MultiFidelity> screening, RunContext context) {
        Map<String, Object> raw = new LinkedHashMap<>(task.parameters());
        ExtensionDescriptor d = extension.descriptor();
        if (task.data().isPresent()) {
            if (d.parameters().find("data").isEmpty()) {
                throw EvomergeException.configuration(task.key() + ": evaluator '" + d.id()
                        + "' takes no 'data' parameter");
            }
            raw.put("data", task.data().get().toString());
        }
        if (screening.isPresent()) {
            if (d.parameters().find("sample").isEmpty() || d.parameters().find("sample_seed").isEmpty()) {
                throw EvomergeException.configuration(task.key() + ": multi_fidelity needs evaluator '" + d.id()
                        + "' to take 'sample' and 'sample_seed' parameters");
            }
            double sample = screening.get().sample();
            raw.put("sample", sample >= 1 ? (Object) (long) sample : (Object) sample);
            raw.put("sample_seed", screening.get().sampleSeed());
        }
        Parameters parameters;
        try {
            parameters = ParameterValidator.validate(d, raw);
        } catch (EvomergeException e) {
            throw EvomergeException.configuration(task.key() + ": " + e.getMessage());
        }
        try {
            return ((EvaluatorFactory) extension.factory()).create(parameters, context);
        } catch (EvomergeException e) {
            // The evaluator reads its dataset now: say which task of the run file it belongs to.
            throw new EvomergeException(e.category(), task.key() + ": " + e.getMessage(), e);
        }
    }

    private static void checkGenomeCapability(ExtensionDescriptor d, RunFile.GenomeKind kind, RunFile run, String key) {
        Capability needed = switch (kind) {
            case RECIPE -> Capability.PARAMETER_GENOMES;
            case LAYER_PATH -> Capability.PARAMETER_GENOMES;
            case MODEL -> Capability.MODEL_GENOMES;
        };
        boolean declaresAny = d.has(Capability.PARAMETER_GENOMES) || d.has(Capability.MODEL_GENOMES)
                || d.has(Capability.LAYER_PATH_GENOMES);
        boolean fits = d.has(needed) || (kind == RunFile.GenomeKind.LAYER_PATH && d.has(Capability.LAYER_PATH_GENOMES));
        if (declaresAny && !fits) {
            throw EvomergeException.configuration(run.where(key) + ": '" + key + "': '" + d.id()
                    + "' does not work on " + kind.id() + " genomes");
        }
    }

    private static RegisteredExtension find(ExtensionCatalog catalog, ExtensionKind kind, RunFile.ExtensionChoice choice,
                                            RunFile run) {
        return catalog.require(kind, choice.id(), run.where(choice.key()) + ": '" + choice.key() + "'");
    }

    /** The evaluation executors a run may name: the built-in local one and the installed ones. */
    private static List<String> executorIds(ExtensionCatalog catalog) {
        List<String> ids = new ArrayList<>(List.of(LocalEvaluationExecutor.ID));
        catalog.ofKind(ExtensionKind.EVALUATION_EXECUTOR).forEach(r -> ids.add(r.descriptor().id()));
        return ids;
    }

    private static Parameters validate(ExtensionDescriptor d, Map<String, Object> raw, RunFile run, String key) {
        return validate(d, raw, EnumSet.allOf(ParameterScope.class), run, key);
    }

    /** Validates an extension's parameters given under {@code key}; an error names the parameter's line. */
    private static Parameters validate(ExtensionDescriptor d, Map<String, Object> raw, EnumSet<ParameterScope> scopes,
                                       RunFile run, String key) {
        try {
            return ParameterValidator.validate(d, raw, scopes, true);
        } catch (EvomergeException e) {
            String at = e instanceof InvalidParameterException p ? key + "." + p.parameter() : key;
            throw EvomergeException.configuration(run.where(at) + ": '" + key + "': " + e.getMessage());
        }
    }

    private static Model open(ModelFormats formats, Path path, RunFile run, String key) {
        Model model;
        try {
            model = formats.open(path);
        } catch (EvomergeException e) {
            throw EvomergeException.input(run.where(key) + ": '" + key + "': " + e.getMessage(), e);
        }
        Optional<String> missing = ModelFormats.missingConfig(model);
        if (missing.isPresent()) {
            model.close();
            throw EvomergeException.input(run.where(key) + ": '" + key + "': " + missing.get(), null);
        }
        return model;
    }

    /**
     * The most layer slots a layer-path genome may have (Sakana's DFS: 2 models × 32 layers × 3 repeats = 192). Each
     * slot is two dimensions of the search and possibly a slice of every candidate's recipe, so this also keeps
     * the search's matrices and the recipes (read back as YAML, at most 3 MiB) within bounds.
     */
    static final int MAX_LAYER_SLOTS = 4096;

    /** Each input model's layer count, checked so that the layer-path genome's slots (layers × repeats) fit. */
    private static int[] layerCounts(RunFile run, Map<String, Model> models, List<String> references) {
        int[] layers = new int[references.size()];
        long total = 0;
        for (int i = 0; i < layers.length; i++) {
            layers[i] = models.get(references.get(i)).config().numLayers();
            if (layers[i] <= 0) {
                throw EvomergeException.input(run.where("models[" + i + "]") + ": cannot tell how many layers '"
                        + references.get(i) + "' has (no num_hidden_layers in config.json)", null);
            }
            total += layers[i];
        }
        int repeats = run.genome().repeats();
        if (repeats > MAX_LAYER_SLOTS / total) {
            throw EvomergeException.configuration(run.where("genome.repeats") + ": 'genome.repeats' = " + repeats
                    + " over the models' " + total + " layers gives more than " + MAX_LAYER_SLOTS
                    + " layer slots (layers × repeats), the most a layer path may have");
        }
        return layers;
    }

    /**
     * Checks, without writing anything, that {@code runDir} can take the run: a new run needs a missing or empty
     * folder, a resumed one the copy of the same run file.
     */
    private static void checkRunFolder(RunFile run, Path runDir, boolean resume) {
        Path copy = runDir.resolve(RunFiles.RUN_FILE);
        try {
            if (resume) {
                // A run stopped before its journal was opened has only the copy of its run file: it resumes from the
                // start.
                if (!Files.exists(copy)) {
                    throw EvomergeException.configuration(runDir + ": no run to resume (no " + RunFiles.RUN_FILE
                            + (Files.exists(runDir.resolve(RunJournal.FILE)) ? "" : " and no " + RunJournal.FILE)
                            + ")");
                }
                String started = Files.readString(copy, StandardCharsets.UTF_8);
                if (!started.equals(run.text())) {
                    throw EvomergeException.configuration(run.file() + ": differs from the run file the run in "
                            + runDir + " started with (" + copy + "); resume with that file");
                }
                return;
            }
            if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
                throw EvomergeException.configuration(runDir + ": not a folder; give a new folder for the run");
            }
            if (Files.exists(runDir)) {
                try (Stream<Path> entries = Files.list(runDir)) {
                    if (entries.findAny().isPresent()) {
                        if (Files.exists(copy) && !anyEvaluation(runDir)) {
                            throw EvomergeException.configuration(runDir + ": holds a run that stopped before its"
                                    + " first evaluation; continue it with --resume (same run file), or delete the"
                                    + " folder to start afresh");
                        }
                        throw EvomergeException.configuration(runDir + ": not empty; give a new folder, or --resume"
                                + " to continue the run in it");
                    }
                }
            }
        } catch (IOException e) {
            throw EvomergeException.input(runDir + ": cannot read the run folder: " + e.getMessage(), e);
        }
    }

    /** Whether the journal in {@code runDir} holds an evaluation (an unreadable journal counts as holding one). */
    private static boolean anyEvaluation(Path runDir) {
        Path journal = runDir.resolve(RunJournal.FILE);
        if (!Files.exists(journal)) {
            return false;
        }
        try {
            return RunJournal.read(journal).stream().anyMatch(l -> l.path("type").asText().equals("evaluation"));
        } catch (RuntimeException e) {
            return true;
        }
    }

    /**
     * Creates a new run's folder and copies the run file into it (checked by {@link #checkRunFolder} before).
     *
     * @return the new folder, empty for a resumed run
     */
    private static Optional<NewRunFolder> prepareRunFolder(RunFile run, Path runDir, boolean resume) {
        if (resume) {
            return Optional.empty();
        }
        try {
            boolean created = !Files.exists(runDir);
            Files.createDirectories(runDir);
            NewRunFolder folder = new NewRunFolder(runDir, created);
            try {
                RunFiles.writeAtomically(runDir.resolve(RunFiles.RUN_FILE), run.text());
            } catch (RuntimeException e) {
                folder.discardIfNothingEvaluated(e);
                throw e;
            }
            return Optional.of(folder);
        } catch (IOException e) {
            throw EvomergeException.input(runDir + ": cannot create the run folder: " + e.getMessage(), e);
        }
    }

    /**
     * The folder of a run this session started.
     *
     * @param created whether this session created it (else it was there, empty)
     */
    private record NewRunFolder(Path dir, boolean created) {

        /**
         * After {@code failure}: removes what the run wrote, unless the journal holds an evaluation (then the folder
         * is a run to resume). A run that failed before its first evaluation thus leaves nothing that would keep a
         * fresh start from the same folder.
         */
        void discardIfNothingEvaluated(Throwable failure) {
            if (anyEvaluation(dir)) {
                return;
            }
            try {
                Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                        Files.delete(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path folder, IOException e) throws IOException {
                        if (e != null) {
                            throw e;
                        }
                        if (created || !folder.equals(dir)) {
                            Files.delete(folder);
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
