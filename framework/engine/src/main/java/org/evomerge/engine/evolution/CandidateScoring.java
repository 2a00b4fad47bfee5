package org.evomerge.engine.evolution;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.tensor.DType;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.evaluation.WeightsHash;
import org.evomerge.engine.evolution.genome.LayerPathSpace;
import org.evomerge.engine.evolution.genome.MergekitEvolveSpace;
import org.evomerge.engine.evolution.genome.RecipeGenomeSpace;
import org.evomerge.engine.evolution.genome.RecipeSpace;
import org.evomerge.engine.model.HubCacheModels;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.plugin.RegisteredExtension;
import org.evomerge.engine.recipe.TokenizerSettings;

/**
 * The side of a run that turns genomes into scores, assembled in one place for the coordinator's local evaluations
 * and for a worker in another JVM, so both score a genome alike: the run file's models opened (a worker checks each
 * against the coordinator's content hash), the genome space built from the run file, every task's evaluators, and
 * the context candidates are merged in. Closing it closes the evaluators and the models.
 *
 * <p>The merge threads are the caller's choice and change no result (each tensor's randomness forks by name):
 * the coordinator evaluates {@code workers} candidates at once and gives each merge its share of the threads; a
 * worker gives each candidate the threads the coordinator names for workers.
 */
final class CandidateScoring implements AutoCloseable {

    /**
     * The most layer slots a layer-path genome may have (Sakana's DFS: 2 models × 32 layers × 3 repeats = 192). Each
     * slot is one or two dimensions of the search and possibly a slice of every candidate's recipe, so this also keeps
     * the search's matrices and the recipes (the best one is written as YAML, which {@code evomerge merge} reads
     * up to 3 MiB) within bounds.
     */
    static final int MAX_LAYER_SLOTS = 4096;

    /**
     * The most source layers (all models' layers together) a layer path with transition scaling may have: the
     * transition matrix is their square (Sakana's 2 × 32 layers give 4096 entries; this allows 16384), each entry a
     * dimension of the search.
     */
    static final int MAX_TRANSITION_LAYERS = 128;

    private final RunFile run;
    private final Map<String, Model> models;
    private final Map<String, String> formatIds;
    private final List<String> references;
    private final Optional<String> base;
    private final RecipeGenomeSpace recipeSpace;
    private final LayerPathSpace pathSpace;
    private final TaskEvaluators evaluators;
    private final ExtensionCatalog catalog;
    private final ArchitectureCatalog architectures;
    private final RunContext mergeContext;
    private final long mergeSeed;

    private CandidateScoring(RunFile run, Map<String, Model> models, Map<String, String> formatIds,
                             List<String> references, Optional<String> base, RecipeGenomeSpace recipeSpace,
                             LayerPathSpace pathSpace, TaskEvaluators evaluators, ExtensionCatalog catalog,
                             ArchitectureCatalog architectures, RunContext mergeContext, long mergeSeed) {
        this.run = run;
        this.models = models;
        this.formatIds = formatIds;
        this.references = references;
        this.base = base;
        this.recipeSpace = recipeSpace;
        this.pathSpace = pathSpace;
        this.evaluators = evaluators;
        this.catalog = catalog;
        this.architectures = architectures;
        this.mergeContext = mergeContext;
        this.mergeSeed = mergeSeed;
    }

    /**
     * Opens the models, builds the genome space and creates the evaluators; on failure closes what it opened.
     *
     * @param method       the run's merge method
     * @param evaluators   each task's evaluator extension, in task order
     * @param context      the host's services; evaluators get a child of it with the run's random source
     * @param seed         the run seed
     * @param mergeThreads threads of each candidate's merge
     * @param modelHashes  the content hash each model must have (a worker's check against the coordinator's
     *                     models); empty for none
     */
    static CandidateScoring open(RunFile run, RegisteredExtension method, List<RegisteredExtension> evaluators,
                                 ExtensionCatalog catalog, ModelFormats formats, ArchitectureCatalog architectures,
                                 RunContext context, long seed, int mergeThreads, Map<String, String> modelHashes) {
        Map<String, Model> models = new LinkedHashMap<>();
        Map<String, String> formatIds = new LinkedHashMap<>();
        try {
            List<String> references = new ArrayList<>();
            for (int i = 0; i < run.models().size(); i++) {
                Path p = run.models().get(i);
                references.add(p.toString());
                openOnce(p, "models[" + i + "]", run, formats, modelHashes, models, formatIds);
            }
            if (run.baseModel().isPresent()) {
                openOnce(run.baseModel().get(), "base_model", run, formats, modelHashes, models, formatIds);
            }
            Optional<String> base = run.baseModel().map(Path::toString);
            Model reference = models.get(base.orElse(references.getFirst()));
            Optional<String> outDtype = Optional.of(run.genome().storage());
            RecipeGenomeSpace recipeSpace = null;
            LayerPathSpace pathSpace = null;
            switch (run.genome().kind()) {
                case RECIPE -> {
                    RunFile.GenomeSettings g = run.genome();
                    RunExtensions.validate(method.descriptor(), g.methodParameters(), EnumSet.of(ParameterScope.GLOBAL),
                            run, "genome.method_parameters");
                    recipeSpace = new RecipeSpace(method.descriptor(), references, base,
                            reference.config().numLayers(), g.layerGroups(), g.filters(), g.parameters(), g.bounds(),
                            g.init(), g.initValues(), g.smooth(), g.allowNegativeWeights(), g.methodParameters(),
                            outDtype, run.file());
                }
                case MERGEKIT_EVOLVE -> {
                    RunFile.GenomeSettings g = run.genome();
                    RunFile.MergekitEvolveGenome m = g.mergekitEvolve().orElseThrow();
                    // mergekit-evolve counts the layers of models[0], whatever the base model.
                    recipeSpace = new MergekitEvolveSpace(method.descriptor(), references, base,
                            m.tokenizerSource().map(CandidateScoring::tokenizer),
                            models.get(references.getFirst()).config().numLayers(), m.layerGranularity(),
                            m.normalize(), g.allowNegativeWeights(), g.filters(), g.smooth(),
                            g.init().equals("random"), run.file().toString());
                }
                case LAYER_PATH -> pathSpace = new LayerPathSpace(references, layerCounts(run, models, references),
                        run.genome().repeats(), run.genome().scaleBounds(), run.genome().scaling(), outDtype);
                case MODEL -> RunExtensions.validate(method.descriptor(), run.genome().methodParameters(), run,
                        "genome.method_parameters");
            }
            RandomSource random = new SeededRandomSource(seed);
            // Evaluators open their datasets when created. They use no run-folder service (the model store), so
            // they are created with the host's services before the folder exists.
            TaskEvaluators taskEvaluators = TaskEvaluators.create(run, evaluators,
                    context.child(random, ProgressReporter.SILENT, context.threads(), Map.of()));
            long mergeSeed = mergeSeed(seed);
            RunContext mergeContext = context.child(new SeededRandomSource(mergeSeed), ProgressReporter.SILENT,
                    mergeThreads, Map.of());
            return new CandidateScoring(run, models, formatIds, references, base, recipeSpace, pathSpace,
                    taskEvaluators, catalog, architectures, mergeContext, mergeSeed);
        } catch (RuntimeException | Error e) {
            models.values().forEach(Model::close);
            throw e;
        }
    }

    /** mergekit's {@code tokenizer_source}: {@code base}, {@code union} or a model reference. */
    private static TokenizerSettings tokenizer(String source) {
        return switch (source) {
            case "base" -> new TokenizerSettings(TokenizerSettings.Source.BASE, Optional.empty(), Map.of(),
                    OptionalInt.empty());
            case "union" -> new TokenizerSettings(TokenizerSettings.Source.UNION, Optional.empty(), Map.of(),
                    OptionalInt.empty());
            default -> new TokenizerSettings(TokenizerSettings.Source.MODEL, Optional.of(source), Map.of(),
                    OptionalInt.empty());
        };
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

    /** The parameter box strategies search: the genome space's, none for whole-model runs. */
    SearchSpace space() {
        if (recipeSpace != null) {
            return recipeSpace.space();
        }
        return pathSpace != null ? pathSpace.space() : new SearchSpace(List.of());
    }

    /**
     * The genome the search starts from: the recipe space's starting point ({@code genome.init}, randomness from
     * {@code random.fork("init")}) or model 0's layers once; none for whole-model runs (their inputs are the
     * population).
     */
    List<Genome> start(RandomSource random) {
        if (recipeSpace != null) {
            return List.of(recipeSpace.start(random.fork("init")));
        }
        return pathSpace != null ? List.of(pathSpace.start()) : List.of();
    }

    /**
     * The builder of candidate models.
     *
     * @param store  the model store of a whole-model run
     * @param runDir the folder candidates' recipes are read as if they were in
     */
    CandidateBuilder builder(Optional<ModelStore> store, Path runDir) {
        return new CandidateBuilder(recipeSpace, pathSpace, store.orElse(null), references,
                Optional.of(run.genome().storage()), models, catalog, architectures, mergeContext, mergeSeed,
                run.genome().storage().equals("float32") ? DType.F32 : DType.BF16, runDir);
    }

    /** Scores a genome: builds its model with {@code builder} and runs every task on it. Thread-safe. */
    CandidateScorer scorer(CandidateBuilder builder) {
        return (genome, fullData) -> {
            try (Model model = builder.build(genome)) {
                return evaluators.evaluate(model, fullData);
            }
        };
    }

    /** Every task's result on {@code model}, scored on each task's whole data (the sources of a subset estimate). */
    Map<String, org.evomerge.api.evaluation.EvaluationResult> evaluateInFull(Model model) {
        return evaluators.evaluate(model, true);
    }

    /** The opened models by reference (the run file's paths, resolved): inputs first, then the base model. */
    Map<String, Model> models() {
        return models;
    }

    /** The id of the model format each model was opened with, by reference. */
    Map<String, String> formatIds() {
        return formatIds;
    }

    Optional<String> base() {
        return base;
    }

    /** Each model's content hash, by reference, as a worker checks them. */
    Map<String, String> hashes() {
        Map<String, String> hashes = new LinkedHashMap<>();
        models.forEach((path, model) -> hashes.put(path, WeightsHash.of(model)));
        return hashes;
    }

    /** Opens the model at {@code p} under the run-file key {@code key}, unless an earlier key opened it. */
    private static void openOnce(Path p, String key, RunFile run, ModelFormats formats, Map<String, String> hashes,
                                 Map<String, Model> models, Map<String, String> formatIds) {
        if (models.containsKey(p.toString())) {
            return;
        }
        ModelFormats.Installed format = format(formats, p, run, key);
        Model model = open(format, p, run, key);
        models.put(p.toString(), model);
        formatIds.put(p.toString(), format.id());
        checkHash(p, model, hashes);
    }

    private static void checkHash(Path p, Model model, Map<String, String> expected) {
        String hash = expected.get(p.toString());
        if (hash == null) {
            return;
        }
        String actual = WeightsHash.of(model);
        if (!hash.equals(actual)) {
            throw EvomergeException.input("model '" + p + "' on this worker differs from the coordinator's"
                    + " (content hash " + actual.substring(0, 12) + " here, " + hash.substring(0, 12)
                    + " on the coordinator); copy the same model to every worker", null);
        }
    }

    private static ModelFormats.Installed format(ModelFormats formats, Path path, RunFile run, String key) {
        try {
            return formats.forPath(path);
        } catch (EvomergeException e) {
            if (!Files.exists(path) && run.file().getParent() != null && path.startsWith(run.file().getParent())) {
                // written as a Hub id: say where the cache was looked in, and that nothing is downloaded
                String written = run.file().getParent().relativize(path).toString().replace('\\', '/');
                try {
                    HubCacheModels.fromSystem().resolve(written, run.where(key) + ": '" + key + "'", List.of(path));
                } catch (EvomergeException notCached) {
                    throw EvomergeException.input(notCached.getMessage(), e);
                }
            }
            throw EvomergeException.input(run.where(key) + ": '" + key + "': " + e.getMessage(), e);
        }
    }

    private static Model open(ModelFormats.Installed format, Path path, RunFile run, String key) {
        Model model;
        try {
            model = format.format().open(path);
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
        if (run.genome().scaling() == LayerPathSpace.Scaling.TRANSITION && total > MAX_TRANSITION_LAYERS) {
            throw EvomergeException.configuration(run.where("genome.scaling") + ": 'genome.scaling' = transition"
                    + " over the models' " + total + " layers gives a " + total + "×" + total + " transition"
                    + " matrix; at most " + MAX_TRANSITION_LAYERS + " layers in all (or use scaling: slot)");
        }
        int repeats = run.genome().repeats();
        if (repeats > MAX_LAYER_SLOTS / total) {
            throw EvomergeException.configuration(run.where("genome.repeats") + ": 'genome.repeats' = " + repeats
                    + " over the models' " + total + " layers gives more than " + MAX_LAYER_SLOTS
                    + " layer slots (layers × repeats), the most a layer path may have");
        }
        return layers;
    }

    @Override
    public void close() {
        evaluators.close();
        models.values().forEach(Model::close);
    }
}
