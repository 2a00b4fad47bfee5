package org.evomerge.engine.evolution;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import org.evomerge.engine.evolution.genome.LayerPathSpace;

/**
 * An evolution run as its YAML file describes it (see {@code docs/evolution.md}): the models, what evolves, the
 * strategy and its operators, the tasks that score candidates, and when to stop. Paths are absolute (resolved
 * against the run file's folder).
 *
 * @param file          where it was read from
 * @param text          the file's text, copied into the run folder
 * @param models        the input models, in order (layer paths and genome dimensions refer to them by index)
 * @param baseModel     the base model, for methods that use one
 * @param genome        what evolves
 * @param strategy      the search strategy
 * @param selection     the selection scheme handed to the strategy, if any
 * @param mutation      the mutation handed to the strategy, if any
 * @param tasks         the evaluation tasks, in objective order
 * @param objectives    how task scores become fitness
 * @param budget        when to stop
 * @param seed          the run's seed, if the file sets one (else the command line's)
 * @param workers       evaluations run at once
 * @param multiFidelity successive-halving settings, if enabled
 * @param kinship       kinship of the top candidates, if measured
 * @param execution     where evaluations run ({@code execution: {id: spark, parameters: {...}}}); empty = the
 *                      built-in {@code local} worker pool
 * @param stage         the stage of a staged file this describes (its settings are the file's top-level keys with
 *                      the stage's over them); empty for a file without {@code stages}
 * @param stages        a staged file's stages, in order, each with its {@code stage}; empty for a file without
 *                      {@code stages}. A staged file reads as its first stage, with every stage here.
 */
public record RunFile(
        Path file,
        String text,
        List<Path> models,
        Optional<Path> baseModel,
        GenomeSettings genome,
        ExtensionChoice strategy,
        Optional<ExtensionChoice> selection,
        Optional<ExtensionChoice> mutation,
        List<Task> tasks,
        ObjectiveMode objectives,
        Budget budget,
        OptionalLong seed,
        int workers,
        Optional<MultiFidelity> multiFidelity,
        Optional<Kinship> kinship,
        Optional<ExtensionChoice> execution,
        Optional<Stage> stage,
        List<RunFile> stages,
        Optional<SubsetEstimate> subsetEstimate) {

    public RunFile {
        models = List.copyOf(models);
        tasks = List.copyOf(tasks);
        stages = List.copyOf(stages);
    }

    /** A run file without {@code subset_estimate}. */
    public RunFile(Path file, String text, List<Path> models, Optional<Path> baseModel, GenomeSettings genome,
                   ExtensionChoice strategy, Optional<ExtensionChoice> selection, Optional<ExtensionChoice> mutation,
                   List<Task> tasks, ObjectiveMode objectives, Budget budget, OptionalLong seed, int workers,
                   Optional<MultiFidelity> multiFidelity, Optional<Kinship> kinship,
                   Optional<ExtensionChoice> execution, Optional<Stage> stage, List<RunFile> stages) {
        this(file, text, models, baseModel, genome, strategy, selection, mutation, tasks, objectives, budget, seed,
                workers, multiFidelity, kinship, execution, stage, stages, Optional.empty());
    }

    /**
     * Candidates scored on a seeded subset of each task's items, their full-task score estimated with item response
     * theory fitted on the source models' item scores ({@code subset_estimate}, docs/evolution.md).
     *
     * @param fraction  the share of each task's items scored, in (0, 1], when {@code anchors} is not set
     * @param anchors   the items scored per task, when set (a task with fewer items is scored whole)
     * @param seed      seeds the choice of anchors
     * @param estimator {@code gp-irt}, {@code p-irt} or {@code anchor}
     * @param refitEvery when set, every this many generations the first {@code refitCandidates} candidates are scored
     *                   in full (calibration evaluations) and the item model is refitted on them, with the sources,
     *                   before the next generation
     * @param refitCandidates calibration candidates per calibrated generation, at least 1
     */
    public record SubsetEstimate(OptionalDouble fraction, java.util.OptionalInt anchors, long seed,
                                 String estimator, java.util.OptionalInt refitEvery, int refitCandidates) {

        /** Without refits: the item model is fitted on the sources only. */
        public SubsetEstimate(OptionalDouble fraction, java.util.OptionalInt anchors, long seed, String estimator) {
            this(fraction, anchors, seed, estimator, java.util.OptionalInt.empty(), 1);
        }
    }

    /**
     * A stage of a staged run file ({@code stages:}).
     *
     * @param number   its place in the file, from 1
     * @param name     its name ({@code stages[i].name}), unique in the file
     * @param keys     the top-level keys the stage sets itself (the others are the file's), for error locations
     * @param fromStages the model indices that are an earlier stage's best model ({@code {stage: NAME}}), with that
     *                 stage's number; their paths are relative to the run folder until {@link #inRunFolder}
     */
    public record Stage(int number, String name, Set<String> keys, Map<Integer, Integer> fromStages) {
        public Stage {
            keys = Set.copyOf(keys);
            fromStages = Map.copyOf(fromStages);
        }
    }

    /**
     * This stage with its models that are earlier stages' best models resolved against the staged run's folder
     * {@code runDir}; a run file without those as it is.
     */
    public RunFile inRunFolder(Path runDir) {
        if (stage.isEmpty() || stage.get().fromStages().isEmpty()) {
            return this;
        }
        List<Path> resolved = models.stream().map(p -> p.isAbsolute() ? p : runDir.resolve(p).normalize()).toList();
        return new RunFile(file, text, resolved, baseModel, genome, strategy, selection, mutation, tasks, objectives,
                budget, seed, workers, multiFidelity, kinship, execution, stage, stages, subsetEstimate);
    }

    /**
     * Where {@code key} is in the run file, for error messages: {@code FILE:LINE:COLUMN} of the key as errors spell
     * it ({@code genome.layer_groups}, {@code strategy.parameters.sigma}), of its deepest ancestor the file has when
     * it is not there (a missing key), or just {@code FILE}. In a stage, a key the stage sets is found in the stage
     * ({@code stages[1].genome.repeats}).
     */
    public String where(String key) {
        if (stage.isPresent() && stage.get().keys().contains(key.split("[.\\[]", 2)[0])) {
            return RunFileReader.where(file, text, "stages[" + (stage.get().number() - 1) + "]." + key);
        }
        return RunFileReader.where(file, text, key);
    }

    /** The three genome encodings of issue 6. */
    public enum GenomeKind {
        /** Merge-recipe parameters per layer group, tensor filter and model (mergekit-evolve, Sakana PS). */
        RECIPE("recipe"),
        /** A path through the models' layers with scales (Sakana DFS), as a passthrough frankenmerge. */
        LAYER_PATH("layer-path"),
        /** Whole-weight individuals held in the run's model store (Evolver, EvoMerge). */
        MODEL("model"),
        /**
         * mergekit-evolve's genome, decoded as it decodes it (a mergekit-evolve configuration file, read by
         * {@link MergekitEvolveConfig}; not a run-file kind).
         */
        MERGEKIT_EVOLVE("mergekit-evolve");

        private final String id;

        GenomeKind(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /** How a candidate's task scores become its fitness. */
    public enum ObjectiveMode {
        /** One objective: Σ weight·score over the tasks ({@link org.evomerge.api.evaluation.TaskWeights}). */
        WEIGHTED,
        /** One objective per task, in task order (for multi-objective strategies such as NSGA-II). */
        SEPARATE
    }

    /**
     * What evolves and how it becomes a model.
     *
     * @param kind                 the encoding
     * @param mergeMethod          the recipe's merge method (recipe), the crossover method (model)
     * @param layerGroups          recipe: number of layer groups the depth is cut into (the layer count must divide
     *                             evenly); 1 = one value for every layer
     * @param filters              recipe: tensor-name filters that get their own values, plus a catch-all
     * @param parameters           recipe: the evolved parameters of the method; empty = the method's defaults
     * @param bounds               recipe: [lower, upper] per evolved parameter, overriding the defaults
     * @param init                 recipe: the starting point ({@code mergekit}: weight 1/n and density 1,
     *                             {@code center}: the middle of the bounds (Sakana's 0.5), {@code random})
     * @param initValues           recipe, with {@code init} = {@code values}: the starting value per evolved parameter
     * @param smooth               recipe: group values become gradients over the depth instead of slices
     * @param allowNegativeWeights recipe: keep the sign of weights instead of taking |x|
     * @param methodParameters     fixed run-wide parameters of the merge method (e.g. {@code normalize})
     * @param storage              in-memory candidates' dtype: {@code bfloat16} or {@code float32}
     * @param repeats              layer-path: how often the models' layer sequence repeats (Sakana's r)
     * @param scaleBounds          layer-path: bounds of the scale values
     * @param scaling              layer-path: what the scale values are ({@code genome.scaling}; {@code slot} when
     *                             the file does not say, the meaning of files written before the key existed)
     * @param mergekitEvolve       mergekit-evolve: the genome settings a run file has no keys for
     */
    public record GenomeSettings(
            GenomeKind kind,
            String mergeMethod,
            int layerGroups,
            List<String> filters,
            List<String> parameters,
            Map<String, double[]> bounds,
            String init,
            Map<String, Double> initValues,
            boolean smooth,
            boolean allowNegativeWeights,
            Map<String, Object> methodParameters,
            String storage,
            int repeats,
            double[] scaleBounds,
            LayerPathSpace.Scaling scaling,
            Optional<MergekitEvolveGenome> mergekitEvolve) {
        public GenomeSettings {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(scaling, "scaling");
            mergekitEvolve = mergekitEvolve == null ? Optional.empty() : mergekitEvolve;
            if ((kind == GenomeKind.MERGEKIT_EVOLVE) != mergekitEvolve.isPresent()) {
                throw new IllegalArgumentException("mergekit-evolve settings go with the mergekit-evolve kind only");
            }
            filters = List.copyOf(filters);
            parameters = List.copyOf(parameters);
            bounds = Map.copyOf(bounds);
            initValues = Map.copyOf(initValues);
            methodParameters = Map.copyOf(methodParameters);
        }

        /** A run file's genome (any kind but mergekit-evolve). */
        public GenomeSettings(GenomeKind kind, String mergeMethod, int layerGroups, List<String> filters,
                              List<String> parameters, Map<String, double[]> bounds, String init,
                              Map<String, Double> initValues, boolean smooth, boolean allowNegativeWeights,
                              Map<String, Object> methodParameters, String storage, int repeats,
                              double[] scaleBounds, LayerPathSpace.Scaling scaling) {
            this(kind, mergeMethod, layerGroups, filters, parameters, bounds, init, initValues, smooth,
                    allowNegativeWeights, methodParameters, storage, repeats, scaleBounds, scaling, Optional.empty());
        }
    }

    /**
     * The settings of mergekit-evolve's {@code genome:} that the other genome settings do not hold.
     *
     * @param layerGranularity {@code layer_granularity}: layers per group; below 1, one group for every layer
     * @param normalize        {@code normalize}; empty: mergekit-evolve's default (true for ties, dare_ties, linear)
     * @param tokenizerSource  {@code tokenizer_source}: {@code base}, {@code union} or a model reference (resolved)
     */
    public record MergekitEvolveGenome(int layerGranularity, Optional<Boolean> normalize,
                                       Optional<String> tokenizerSource) {
    }

    /** An extension id with its raw parameters (validated against the extension's schema when the run starts). */
    public record ExtensionChoice(String id, Map<String, Object> parameters, String key) {
        public ExtensionChoice {
            Objects.requireNonNull(id, "id");
            parameters = Map.copyOf(parameters);
        }
    }

    /**
     * One evaluation task.
     *
     * @param name       unique; names the objective and the metrics in the journal
     * @param evaluator  the evaluator extension id
     * @param data       the dataset (JSONL), if the task has one; handed to the evaluator as its {@code data}
     * @param parameters the evaluator's other parameters
     * @param weight     the task's weight in a weighted objective
     * @param weightGiven whether the weight was written, rather than the default 1
     * @param key        where it was declared, for error messages ({@code FILE:LINE:COLUMN: 'evaluators[1]'} or a
     *                   task file)
     */
    public record Task(String name, String evaluator, Optional<Path> data, Map<String, Object> parameters,
                       double weight, boolean weightGiven, String key) {
        public Task {
            parameters = Map.copyOf(parameters);
        }
    }

    /**
     * Stopping rules; the first one reached ends the run.
     *
     * @param evaluations  journal evaluation lines (cache hits included), if limited
     * @param seconds      wall-clock seconds of evaluation (summed over resumed sessions), if limited
     * @param targetFitness stop once the best primary fitness reaches this, if set
     */
    public record Budget(OptionalLong evaluations, OptionalDouble seconds, OptionalDouble targetFitness) {
    }

    /**
     * Successive halving: every new candidate is first scored on a seeded subsample of each task; only the best
     * {@code keep} fraction of a generation is then scored on the full data.
     *
     * @param sample     the subsample: a count ({@code >= 1}) or a fraction ({@code < 1}) of each dataset
     * @param keep       fraction of a generation's new candidates promoted to the full evaluation, in (0, 1]
     * @param sampleSeed the subsample's seed
     */
    public record MultiFidelity(double sample, double keep, long sampleSeed) {
    }

    /**
     * Kinship of the top candidates after some generations (ModelKinship's early stop and diversity signal).
     *
     * @param metric    {@code pcc}, {@code cosine} or {@code euclidean}
     * @param top       how many of the best distinct candidates are compared
     * @param every     measured after every {@code every}-th generation
     * @param stopAbove stop the run once the mean pairwise kinship reaches this (the paper: 0.9 with PCC), if set
     */
    public record Kinship(String metric, int top, int every, OptionalDouble stopAbove) {
    }
}
