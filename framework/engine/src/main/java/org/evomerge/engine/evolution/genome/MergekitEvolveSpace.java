package org.evomerge.engine.evolution.genome;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.ParameterValue;
import org.evomerge.engine.recipe.RecipeOrigin;
import org.evomerge.engine.recipe.RecipeSlice;
import org.evomerge.engine.recipe.RecipeSource;
import org.evomerge.engine.recipe.RecipeYaml;
import org.evomerge.engine.recipe.TokenizerSettings;

/**
 * mergekit-evolve's genome ({@code mergekit/evo/genome.py}, ALGORITHMS.md B.15), decoded exactly as it decodes it: a
 * tensor G[layer group, model, parameter set, parameter] flattened in that order (row-major, as torch's
 * {@code view(-1)}), over every model of {@code models} (the base model too when it is listed there). Parameter sets
 * are the {@code filters} and a catch-all, last; the parameters are {@code [weight]} for {@code linear} and
 * {@code task_arithmetic}, {@code [weight, density]} for {@code ties} and {@code dare_ties}, {@code [t]} for
 * {@code slerp}.
 *
 * <p>The search is unbounded, as mergekit-evolve's pycma is: the box [0, 1] of each dimension only sets the scale of
 * CMA-ES's step size, and decoding makes every value valid: density = clamp(|x|, 0, 1), weight = |x| unless negative
 * weights are allowed (a weight may exceed 1). SLERP takes, per layer group, the two models with the highest raw
 * value, t = softmax(top two)[1], the heavier one as base; recipes here have one base model, so with two models the
 * slice is written from models[0] with t or 1 − t (SLERP is symmetric: slerp(a, b, t) = slerp(b, a, 1 − t)).
 * Global parameters as mergekit-evolve writes them: {@code normalize} (default true for ties, dare_ties and linear),
 * {@code int8_mask: true}, {@code dtype: bfloat16}, where the method has them.
 */
public final class MergekitEvolveSpace implements RecipeGenomeSpace {

    /** mergekit-evolve's {@code METHOD_PARAM_MAPS}: the evolved parameters of each method it supports, in order. */
    public static final Map<String, List<String>> METHOD_PARAMETERS = Map.of(
            "linear", List.of("weight"),
            "task_arithmetic", List.of("weight"),
            "ties", List.of("weight", "density"),
            "dare_ties", List.of("weight", "density"),
            "slerp", List.of("t"));

    private static final String CATCH_ALL = "*";

    private final String method;
    private final List<String> models;
    private final Optional<String> baseModel;
    private final Optional<TokenizerSettings> tokenizer;
    private final int layers;
    private final int groups;
    private final List<String> filters;
    private final List<String> parameters;
    private final boolean allowNegativeWeights;
    private final boolean smooth;
    private final boolean randomInit;
    private final Map<String, ParameterValue> global;
    private final SearchSpace space;

    /**
     * @param method               the merge method's descriptor (one of {@link #METHOD_PARAMETERS})
     * @param models               {@code genome.models}, absolute references, in order
     * @param baseModel            {@code genome.base_model}
     * @param tokenizer            {@code genome.tokenizer_source} as recipe settings
     * @param layers               {@code num_hidden_layers} of models[0]
     * @param layerGranularity     {@code genome.layer_granularity} (below 1: one group for all layers)
     * @param normalize            {@code genome.normalize}; empty: true for ties, dare_ties and linear
     * @param allowNegativeWeights {@code genome.allow_negative_weights}
     * @param filters              {@code genome.filters}
     * @param smooth               {@code genome.smooth}
     * @param randomInit           {@code random_init}: start from U[0, 1) instead of weight 1/n and density 1
     * @param where                the configuration file, for error messages
     */
    public MergekitEvolveSpace(ExtensionDescriptor method, List<String> models, Optional<String> baseModel,
                               Optional<TokenizerSettings> tokenizer, int layers, int layerGranularity,
                               Optional<Boolean> normalize, boolean allowNegativeWeights, List<String> filters,
                               boolean smooth, boolean randomInit, String where) {
        this.method = method.id();
        this.parameters = METHOD_PARAMETERS.get(this.method);
        if (parameters == null) {
            throw EvomergeException.configuration(where + ": 'genome.merge_method': mergekit-evolve evolves "
                    + String.join(", ", METHOD_PARAMETERS.keySet().stream().sorted().toList()) + ", not '"
                    + this.method + "'");
        }
        if (layers <= 0) {
            throw EvomergeException.input(where + ": cannot tell how many layers " + models.getFirst()
                    + " has (no num_hidden_layers in config.json)", null);
        }
        if (layerGranularity > 0 && layers % layerGranularity != 0) {
            throw EvomergeException.configuration(where + ": 'genome.layer_granularity' = " + layerGranularity
                    + ": the number of layers (" + layers + " in " + models.getFirst() + ") must be a multiple of it");
        }
        this.models = List.copyOf(models);
        this.baseModel = baseModel;
        this.tokenizer = tokenizer;
        this.layers = layers;
        this.groups = layerGranularity > 0 ? layers / layerGranularity : 1;
        this.filters = List.copyOf(filters);
        this.allowNegativeWeights = allowNegativeWeights;
        this.smooth = smooth;
        this.randomInit = randomInit;
        if (this.method.equals("slerp") && models.size() != 2) {
            // mergekit-evolve gives each layer group its own base model (the heavier of its two models); a recipe
            // here has one, which covers every group only when there are two models.
            throw EvomergeException.configuration(where + ": 'genome.models': slerp is evolved over exactly two models"
                    + " here (mergekit-evolve's per-group choice of two models among more needs per-slice base"
                    + " models, which evomerge recipes do not have), got " + models.size());
        }
        Map<String, ParameterValue> g = new LinkedHashMap<>();
        if (method.parameters().find("normalize").isPresent()) {
            g.put("normalize", new ParameterValue.Scalar(normalize.orElse(
                    Set.of("ties", "dare_ties", "linear").contains(this.method))));
        }
        if (method.parameters().find("int8_mask").isPresent()) {
            g.put("int8_mask", new ParameterValue.Scalar(true));
        }
        this.global = g;
        this.space = new SearchSpace(dimensions());
    }

    private List<String> sets() {
        List<String> sets = new ArrayList<>(filters);
        sets.add(CATCH_ALL);
        return sets;
    }

    private int layerStep() {
        return layers / groups;
    }

    /** The position of G[group, model, set, parameter] in the flattened genome. */
    private int index(int group, int model, int set, int parameter) {
        return ((group * models.size() + model) * (filters.size() + 1) + set) * parameters.size() + parameter;
    }

    private List<SearchSpace.Dimension> dimensions() {
        List<String> aliases = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < models.size(); i++) {
            Path p = Path.of(models.get(i)).getFileName();
            String name = p == null ? "m" + i : p.toString();
            aliases.add(seen.add(name) ? name : name + "#" + i);
        }
        List<SearchSpace.Dimension> dims = new ArrayList<>();
        List<String> sets = sets();
        int step = layerStep();
        for (int g = 0; g < groups; g++) {
            for (int m = 0; m < models.size(); m++) {
                for (String set : sets) {
                    for (String p : parameters) {
                        dims.add(new SearchSpace.Dimension("layers[" + g * step + "-" + ((g + 1) * step - 1) + "]."
                                + aliases.get(m) + "." + set + "." + p, 0, 1));
                    }
                }
            }
        }
        return dims;
    }

    @Override
    public SearchSpace space() {
        return space;
    }

    /** mergekit-evolve's {@code initial_genotype}: weight 1/n and every other parameter 1, or U[0, 1) with random_init. */
    @Override
    public ParameterGenome start(RandomSource random) {
        double[] x = new double[space.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = randomInit ? random.uniform(i) : i % parameters.size() == 0 ? 1.0 / models.size() : 1.0;
        }
        return new ParameterGenome(x);
    }

    @Override
    public MergeRecipe recipe(ParameterGenome genome) {
        if (genome.size() != space.size()) {
            throw new IllegalArgumentException("genome has " + genome.size() + " values, the mergekit-evolve genome "
                    + space.size());
        }
        MergeRecipe recipe;
        if (method.equals("slerp")) {
            recipe = MergeRecipe.ofSlices(method, Optional.of(models.getFirst()), slerpSlices(genome), global);
        } else {
            double[] v = new double[genome.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = decode(parameters.get(i % parameters.size()), genome.get(i));
            }
            recipe = smooth ? MergeRecipe.ofModels(method, baseModel, smoothModels(v), global)
                    : MergeRecipe.ofSlices(method, baseModel, discreteSlices(v), global);
        }
        return new MergeRecipe(recipe.mergeMethod(), recipe.baseModel(), recipe.slices(), recipe.modelsForm(),
                recipe.parameters(), Optional.of("bfloat16"), Optional.empty(), tokenizer, Map.of(),
                OptionalLong.empty(), RecipeOrigin.built(Path.of("best_config.yaml")));
    }

    /** density = clamp(|x|, 0, 1); weight and t = |x| unless negative weights are allowed. */
    private double decode(String parameter, double x) {
        return switch (parameter) {
            case "density" -> Math.min(1, Math.abs(x));
            default -> allowNegativeWeights ? x : Math.abs(x);
        };
    }

    /** The base model as an extra source, as mergekit-evolve adds it when {@code models} does not list it. */
    private Optional<String> unlistedBase() {
        return baseModel.filter(b -> !models.contains(b));
    }

    private List<RecipeSlice> discreteSlices(double[] v) {
        List<String> sets = sets();
        int step = layerStep();
        List<RecipeSlice> slices = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            List<RecipeSource> sources = new ArrayList<>();
            for (int m = 0; m < models.size(); m++) {
                Map<String, ParameterValue> params = new LinkedHashMap<>();
                for (int p = 0; p < parameters.size(); p++) {
                    if (sets.size() == 1) {
                        params.put(parameters.get(p), new ParameterValue.Scalar(v[index(g, m, 0, p)]));
                    } else {
                        List<ParameterValue.Conditional> conditionals = new ArrayList<>();
                        for (int s = 0; s < sets.size(); s++) {
                            conditionals.add(new ParameterValue.Conditional(filter(sets.get(s)),
                                    new ParameterValue.Scalar(v[index(g, m, s, p)])));
                        }
                        params.put(parameters.get(p), new ParameterValue.Conditionals(conditionals));
                    }
                }
                sources.add(RecipeSource.layers(models.get(m), g * step, (g + 1) * step, params));
            }
            int start = g * step;
            unlistedBase().ifPresent(b -> sources.add(RecipeSource.layers(b, start, start + step, Map.of())));
            slices.add(new RecipeSlice(sources, Map.of()));
        }
        return slices;
    }

    /** {@code smooth: true}: each parameter a gradient over the groups (a single value with one group). */
    private List<RecipeSource> smoothModels(double[] v) {
        List<String> sets = sets();
        List<RecipeSource> sources = new ArrayList<>();
        for (int m = 0; m < models.size(); m++) {
            Map<String, ParameterValue> params = new LinkedHashMap<>();
            for (int p = 0; p < parameters.size(); p++) {
                List<ParameterValue.Conditional> conditionals = new ArrayList<>();
                ParameterValue only = null;
                for (int s = 0; s < sets.size(); s++) {
                    List<Object> gradient = new ArrayList<>();
                    for (int g = 0; g < groups; g++) {
                        gradient.add(v[index(g, m, s, p)]);
                    }
                    ParameterValue value = gradient.size() == 1 ? new ParameterValue.Scalar(gradient.getFirst())
                            : new ParameterValue.Gradient(gradient);
                    only = value;
                    conditionals.add(new ParameterValue.Conditional(filter(sets.get(s)), value));
                }
                params.put(parameters.get(p), sets.size() == 1 ? only : new ParameterValue.Conditionals(conditionals));
            }
            sources.add(RecipeSource.everyLayer(models.get(m), params));
        }
        unlistedBase().ifPresent(b -> sources.add(RecipeSource.everyLayer(b, Map.of())));
        return sources;
    }

    /**
     * Per group: the two models with the highest raw value (the earlier model first on a tie), t = softmax of the two
     * values' second entry, the heavier model as base; written from models[0] (t, or 1 − t when models[1] is the
     * heavier).
     */
    private List<RecipeSlice> slerpSlices(ParameterGenome genome) {
        int step = layerStep();
        List<RecipeSlice> slices = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            double first = genome.get(index(g, 0, 0, 0));
            double second = genome.get(index(g, 1, 0, 0));
            boolean firstIsTop = first >= second;
            double top = firstIsTop ? first : second;
            double other = firstIsTop ? second : first;
            double t = 1 / (1 + Math.exp(top - other));
            double fromFirst = firstIsTop ? t : 1 - t;
            List<RecipeSource> sources = List.of(
                    RecipeSource.layers(models.get(0), g * step, (g + 1) * step, Map.of()),
                    RecipeSource.layers(models.get(1), g * step, (g + 1) * step, Map.of()));
            slices.add(new RecipeSlice(sources, Map.of("t", new ParameterValue.Scalar(fromFirst))));
        }
        return slices;
    }

    @Override
    public String recipeFile(ParameterGenome genome, Path folder, long randomSeed) {
        return RecipeYaml.write(recipe(genome).relativeTo(folder).withRandomSeed(randomSeed));
    }

    private static Optional<String> filter(String set) {
        return set.equals(CATCH_ALL) ? Optional.empty() : Optional.of(set);
    }
}
