package org.evomerge.engine.evolution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.merge.ModelTensor;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.search.KinshipOracle;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationFactory;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchSpace;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.api.search.SearchStrategyFactory;
import org.evomerge.api.selection.SelectionScheme;
import org.evomerge.api.selection.SelectionSchemeFactory;
import org.evomerge.api.tensor.DType;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.evaluation.WeightsHash;
import org.evomerge.engine.evolution.genome.LayerPathSpace;
import org.evomerge.engine.execution.LocalEvaluationExecutor;
import org.evomerge.engine.evolution.genome.RecipeSpace;
import org.evomerge.engine.evolution.store.FolderModelStore;
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
            throw EvomergeException.configuration(run.file() + ": 'kinship' needs the kinship component, which this"
                    + " build does not have");
        }
        Path runDir = options.runDir();
        long seed = run.seed().orElse(context.random().seed());
        Path file = run.file();

        // Every id and parameter is checked before anything is opened or evaluated.
        RegisteredExtension strategyExtension = find(catalog, ExtensionKind.SEARCH_STRATEGY, run.strategy(), file);
        Parameters strategyParameters = validate(strategyExtension.descriptor(), run.strategy().parameters(),
                file, run.strategy().key() + ".parameters");
        checkGenomeCapability(strategyExtension.descriptor(), run.genome().kind(), file, "strategy");
        Optional<RegisteredExtension> selectionExtension = run.selection()
                .map(c -> find(catalog, ExtensionKind.SELECTION_SCHEME, c, file));
        Optional<RegisteredExtension> mutationExtension = run.mutation()
                .map(c -> find(catalog, ExtensionKind.MUTATION, c, file));
        mutationExtension.ifPresent(m -> checkGenomeCapability(m.descriptor(), run.genome().kind(), file, "mutation"));
        RegisteredExtension method = catalog.find(ExtensionKind.MERGE_METHOD, run.genome().mergeMethod())
                .orElseThrow(() -> EvomergeException.configuration(file + ": 'genome.merge_method': unknown merge method '"
                        + run.genome().mergeMethod() + "'; installed: " + String.join(", ",
                        catalog.ofKind(ExtensionKind.MERGE_METHOD).stream().map(e -> e.descriptor().id()).toList())));
        List<RegisteredExtension> evaluatorExtensions = new ArrayList<>();
        for (RunFile.Task task : run.tasks()) {
            RegisteredExtension e = catalog.find(ExtensionKind.EVALUATOR, task.evaluator()).orElseThrow(() ->
                    EvomergeException.configuration(task.key() + ": unknown evaluator '" + task.evaluator()
                            + "'; installed: " + ids(catalog, ExtensionKind.EVALUATOR)));
            evaluatorExtensions.add(e);
        }
        Optional<RunFile.ExtensionChoice> executionChoice = options.execution().or(run::execution)
                .filter(c -> !c.id().equals(LocalEvaluationExecutor.ID));
        Optional<RegisteredExtension> executorExtension = executionChoice.map(c -> catalog
                .find(ExtensionKind.EVALUATION_EXECUTOR, c.id()).orElseThrow(() -> EvomergeException.configuration(
                        file + ": '" + c.key() + "': unknown evaluation executor '" + c.id() + "'; installed: local"
                                + catalog.ofKind(ExtensionKind.EVALUATION_EXECUTOR).stream()
                                .map(r -> ", " + r.descriptor().id()).reduce("", String::concat)
                                + (c.id().equals("spark") ? " (the spark executor comes with the cluster bundle,"
                                + " docs/cluster.md)" : ""))));
        Optional<Parameters> executorParameters = executorExtension.map(e -> validate(e.descriptor(),
                executionChoice.get().parameters(), file, executionChoice.get().key() + ".parameters"));
        if (executorExtension.isPresent() && run.genome().kind() == RunFile.GenomeKind.MODEL) {
            throw EvomergeException.configuration(file + ": '" + executionChoice.get().key() + "': whole-model genomes"
                    + " live in the coordinator's model store; executor '" + executionChoice.get().id()
                    + "' runs recipe and layer-path genomes only");
        }
        if (run.objectives() == RunFile.ObjectiveMode.SEPARATE && run.tasks().size() > 1
                && selectionExtension.isPresent()
                && !selectionExtension.get().descriptor().has(Capability.MULTI_OBJECTIVE)) {
            context.logger("evolution").log(System.Logger.Level.WARNING, "selection '"
                    + selectionExtension.get().descriptor().id() + "' ranks by the first objective only");
        }

        RandomSource random = new SeededRandomSource(seed);
        // Extensions see the host's services (the inference engine above all) plus the run's own.
        Map<Class<?>, Object> services = new LinkedHashMap<>(
                context instanceof DefaultRunContext host ? host.services() : Map.of());
        Map<String, Model> models = new LinkedHashMap<>();
        List<Evaluator> evaluators = new ArrayList<>();
        try {
            List<String> references = new ArrayList<>();
            for (Path p : run.models()) {
                references.add(p.toString());
                models.put(p.toString(), open(formats, p, file, "models"));
            }
            Optional<String> base = run.baseModel().map(Path::toString);
            if (base.isPresent() && !models.containsKey(base.get())) {
                models.put(base.get(), open(formats, run.baseModel().get(), file, "base_model"));
            }
            Model reference = models.get(base.orElse(references.getFirst()));
            DType storage = run.genome().storage().equals("float32") ? DType.F32 : DType.BF16;
            Optional<String> outDtype = Optional.of(run.genome().storage());

            // The genome space, checked before anything is written into the run folder.
            SearchSpace space = new SearchSpace(List.of());
            List<Genome> seeds = new ArrayList<>();
            RecipeSpace recipeSpace = null;
            LayerPathSpace pathSpace = null;
            Optional<BiFunction<List<Genome>, RandomSource, Genome>> crossover = Optional.empty();
            switch (run.genome().kind()) {
                case RECIPE -> {
                    RunFile.GenomeSettings g = run.genome();
                    validate(method.descriptor(), g.methodParameters(), EnumSet.of(ParameterScope.GLOBAL), file,
                            "genome.method_parameters");
                    recipeSpace = new RecipeSpace(method.descriptor(), references, base, reference.config().numLayers(),
                            g.layerGroups(), g.filters(), g.parameters(), g.bounds(), g.init(), g.initValues(),
                            g.smooth(), g.allowNegativeWeights(), g.methodParameters(), outDtype, file);
                    space = recipeSpace.space();
                    seeds.add(recipeSpace.start(random.fork("init")));
                }
                case LAYER_PATH -> {
                    int[] layers = new int[references.size()];
                    for (int i = 0; i < layers.length; i++) {
                        layers[i] = models.get(references.get(i)).config().numLayers();
                        if (layers[i] <= 0) {
                            throw EvomergeException.input(file + ": cannot tell how many layers '" + references.get(i)
                                    + "' has (no num_hidden_layers in config.json)", null);
                        }
                    }
                    pathSpace = new LayerPathSpace(references, layers, run.genome().repeats(),
                            run.genome().scaleBounds(), outDtype);
                    space = pathSpace.space();
                    seeds.add(pathSpace.start());
                }
                case MODEL -> validate(method.descriptor(), run.genome().methodParameters(), file,
                        "genome.method_parameters");
            }

            prepareRunFolder(run, runDir, options.resume());
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
            RunContext extensionContext = new DefaultRunContext(random, context.compute(), ProgressReporter.SILENT,
                    context.scratch(), context.threads(), services);
            int mergeThreads = Math.max(1, context.threads() / run.workers());
            RunContext mergeContext = new DefaultRunContext(random.fork("merge"), context.compute(),
                    ProgressReporter.SILENT, context.scratch(), mergeThreads, services);

            if (store != null) {
                for (Path p : run.models()) {
                    seeds.add(store.adopt(p, "input " + p.getFileName()));
                }
                crossover = Optional.of(modelCrossover(run, method, store, models, base, context, file));
            }

            Lineage lineage = new Lineage();
            Optional<SelectionScheme> selection = selectionExtension.map(e -> ((SelectionSchemeFactory) e.factory())
                    .create(validate(e.descriptor(), run.selection().get().parameters(), file,
                            run.selection().get().key() + ".parameters"), extensionContext));
            Optional<Mutation> mutation = mutationExtension.map(e -> lineage.track(((MutationFactory) e.factory())
                    .create(validate(e.descriptor(), run.mutation().get().parameters(), file,
                            run.mutation().get().key() + ".parameters"), extensionContext)));
            Objectives objectives = objectives(run, context);
            SearchProblem problem = new SearchProblem(space, seeds, objectives.count(), selection, mutation,
                    crossover.map(lineage::track));
            SearchStrategy strategy = ((SearchStrategyFactory) strategyExtension.factory())
                    .create(problem, strategyParameters, extensionContext);

            List<Evaluator> screens = createEvaluators(run, evaluatorExtensions, extensionContext, evaluators);

            RecipeSpace recipes = recipeSpace;
            LayerPathSpace paths = pathSpace;
            ModelStore modelStore = store;
            CandidateBuilder builder = new CandidateBuilder(recipes, paths, modelStore, references, outDtype, models,
                    catalog, architectures, mergeContext, storage, runDir);
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
                RunContext executorContext = new DefaultRunContext(random.fork("execution"), context.compute(),
                        ProgressReporter.SILENT, context.scratch(), context.threads(), executorServices);
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
                try (Model model = builder.build(outcome.best().genome())) {
                    best = BestModelExport.write(runDir, model, formats.byId(options.outputFormat()).format(),
                            context.scratch(), builder.recipe(outcome.best().genome()), outcome,
                            strategyExtension.descriptor().id(), seed, options.version());
                }
                // The report component (plots, report.html) is called here; it reads only the run folder.
                report.write(runDir);
                return new Result(runDir, outcome, best);
            }
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
        RegisteredExtension method = catalog.find(ExtensionKind.MERGE_METHOD, run.genome().mergeMethod())
                .orElseThrow(() -> EvomergeException.configuration(file + ": 'genome.merge_method': unknown merge method '"
                        + run.genome().mergeMethod() + "' on this worker; installed: "
                        + ids(catalog, ExtensionKind.MERGE_METHOD)));
        List<RegisteredExtension> evaluatorExtensions = new ArrayList<>();
        for (RunFile.Task task : run.tasks()) {
            evaluatorExtensions.add(catalog.find(ExtensionKind.EVALUATOR, task.evaluator()).orElseThrow(() ->
                    EvomergeException.configuration(task.key() + ": unknown evaluator '" + task.evaluator()
                            + "' on this worker; installed: " + ids(catalog, ExtensionKind.EVALUATOR))));
        }
        if (run.genome().kind() == RunFile.GenomeKind.MODEL) {
            throw EvomergeException.configuration(file + ": whole-model genomes cannot be evaluated on a worker");
        }
        RandomSource random = new SeededRandomSource(description.seed());
        Map<Class<?>, Object> services = new LinkedHashMap<>(
                context instanceof DefaultRunContext host ? host.services() : Map.of());
        Map<String, Model> models = new LinkedHashMap<>();
        List<Evaluator> evaluators = new ArrayList<>();
        try {
            List<String> references = new ArrayList<>();
            List<Path> paths = new ArrayList<>(run.models());
            run.baseModel().filter(b -> !run.models().contains(b)).ifPresent(paths::add);
            for (Path p : paths) {
                Model model = open(formats, p, file, p.equals(run.baseModel().orElse(null)) ? "base_model" : "models");
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
                int[] layers = new int[references.size()];
                for (int i = 0; i < layers.length; i++) {
                    layers[i] = models.get(references.get(i)).config().numLayers();
                }
                pathSpace = new LayerPathSpace(references, layers, run.genome().repeats(), run.genome().scaleBounds(),
                        outDtype);
            }
            RunContext extensionContext = new DefaultRunContext(random, context.compute(), ProgressReporter.SILENT,
                    context.scratch(), context.threads(), services);
            RunContext mergeContext = new DefaultRunContext(random.fork("merge"), context.compute(),
                    ProgressReporter.SILENT, context.scratch(), context.threads(), services);
            List<Evaluator> screens = createEvaluators(run, evaluatorExtensions, extensionContext, evaluators);
            CandidateBuilder builder = new CandidateBuilder(recipeSpace, pathSpace, null, references, outDtype, models,
                    catalog, architectures, mergeContext, storage, file.getParent());
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

    /** Builds candidate models from genomes: an in-memory merge of a recipe or path, or a store individual. */
    private record CandidateBuilder(RecipeSpace recipes, LayerPathSpace paths, ModelStore store,
                                    List<String> references, Optional<String> outDtype, Map<String, Model> models,
                                    ExtensionCatalog catalog, ArchitectureCatalog architectures,
                                    RunContext mergeContext, DType storage, Path runDir) {

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
            RunContext context, Path file) {
        ExtensionDescriptor d = method.descriptor();
        Map<String, Object> raw = run.genome().methodParameters();
        Parameters global = validate(d, raw, EnumSet.of(ParameterScope.GLOBAL), file, "genome.method_parameters");
        Parameters perModel = validate(d, raw, EnumSet.of(ParameterScope.PER_MODEL), file, "genome.method_parameters");
        Parameters perTensor = validate(d, raw, EnumSet.of(ParameterScope.PER_TENSOR), file, "genome.method_parameters");
        MergeMethod merge = ((MergeMethodFactory) method.factory()).create(global, context);
        boolean usesBase = d.has(Capability.REQUIRES_BASE_MODEL) || d.has(Capability.ACCEPTS_BASE_MODEL);
        if (d.has(Capability.REQUIRES_BASE_MODEL) && !d.has(Capability.EXACTLY_TWO_MODELS) && base.isEmpty()) {
            throw EvomergeException.configuration(file + ": 'base_model' is missing; crossover method '" + d.id()
                    + "' needs one");
        }
        if (d.has(Capability.LAYER_STACKING)) {
            throw EvomergeException.configuration(file + ": 'genome.merge_method': '" + d.id()
                    + "' cannot combine whole models");
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
        return ((EvaluatorFactory) extension.factory()).create(parameters, context);
    }

    private static void checkGenomeCapability(ExtensionDescriptor d, RunFile.GenomeKind kind, Path file, String key) {
        Capability needed = switch (kind) {
            case RECIPE -> Capability.PARAMETER_GENOMES;
            case LAYER_PATH -> Capability.PARAMETER_GENOMES;
            case MODEL -> Capability.MODEL_GENOMES;
        };
        boolean declaresAny = d.has(Capability.PARAMETER_GENOMES) || d.has(Capability.MODEL_GENOMES)
                || d.has(Capability.LAYER_PATH_GENOMES);
        boolean fits = d.has(needed) || (kind == RunFile.GenomeKind.LAYER_PATH && d.has(Capability.LAYER_PATH_GENOMES));
        if (declaresAny && !fits) {
            throw EvomergeException.configuration(file + ": '" + key + "': '" + d.id() + "' does not work on "
                    + kind.id() + " genomes");
        }
    }

    private static RegisteredExtension find(ExtensionCatalog catalog, ExtensionKind kind, RunFile.ExtensionChoice choice,
                                            Path file) {
        return catalog.find(kind, choice.id()).orElseThrow(() -> EvomergeException.configuration(file + ": '"
                + choice.key() + "': unknown " + kind.id() + " '" + choice.id() + "'; installed: " + ids(catalog, kind)));
    }

    private static String ids(ExtensionCatalog catalog, ExtensionKind kind) {
        List<String> ids = catalog.ofKind(kind).stream().map(r -> r.descriptor().id()).toList();
        return ids.isEmpty() ? "none (is its plugin installed? see 'evomerge plugins list')" : String.join(", ", ids);
    }

    private static Parameters validate(ExtensionDescriptor d, Map<String, Object> raw, Path file, String key) {
        return validate(d, raw, EnumSet.allOf(ParameterScope.class), file, key);
    }

    private static Parameters validate(ExtensionDescriptor d, Map<String, Object> raw, EnumSet<ParameterScope> scopes,
                                       Path file, String key) {
        try {
            return ParameterValidator.validate(d, raw, scopes, true);
        } catch (EvomergeException e) {
            throw EvomergeException.configuration(file + ": '" + key + "': " + e.getMessage());
        }
    }

    private static Model open(ModelFormats formats, Path path, Path file, String key) {
        try {
            return formats.open(path);
        } catch (EvomergeException e) {
            throw EvomergeException.input(file + ": '" + key + "': " + e.getMessage(), e);
        }
    }

    /** A new run needs an empty or missing folder; a resumed one needs the same run file as the one it started with. */
    private static void prepareRunFolder(RunFile run, Path runDir, boolean resume) {
        Path copy = runDir.resolve(RunFiles.RUN_FILE);
        try {
            if (resume) {
                if (!Files.exists(copy) || !Files.exists(runDir.resolve(RunJournal.FILE))) {
                    throw EvomergeException.configuration(runDir + ": no run to resume (no " + RunFiles.RUN_FILE
                            + " and " + RunJournal.FILE + ")");
                }
                String started = Files.readString(copy, StandardCharsets.UTF_8);
                if (!started.equals(run.text())) {
                    throw EvomergeException.configuration(run.file() + ": differs from the run file the run in "
                            + runDir + " started with (" + copy + "); resume with that file");
                }
                return;
            }
            if (Files.exists(runDir)) {
                try (Stream<Path> entries = Files.list(runDir)) {
                    if (entries.findAny().isPresent()) {
                        throw EvomergeException.configuration(runDir + ": not empty; give a new folder, or --resume"
                                + " to continue the run in it");
                    }
                }
            }
            Files.createDirectories(runDir);
            RunFiles.writeAtomically(copy, run.text());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the run folder " + runDir, e);
        }
    }
}
