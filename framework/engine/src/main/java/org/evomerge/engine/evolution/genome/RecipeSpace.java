package org.evomerge.engine.evolution.genome;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.ParameterValue;
import org.evomerge.engine.recipe.RecipeSlice;
import org.evomerge.engine.recipe.RecipeSource;
import org.evomerge.engine.recipe.RecipeYaml;

/**
 * The merge-recipe parameter space of mergekit-evolve and Sakana's PS: a value per layer group × tensor filter
 * (plus a catch-all) × parameter, for every evolved model (per-model parameters such as {@code weight} and
 * {@code density}) or once per group and filter (per-tensor parameters such as slerp's {@code t}). A genome decodes
 * into a typed mergekit recipe that the evolution merges in memory; written as YAML ({@link #recipeFile}),
 * {@code evomerge merge} runs it as it is.
 *
 * <p>Genome order: for each layer group, for each filter (catch-all last), for each evolved model, its per-model
 * parameters; then that group and filter's per-tensor parameters. Decoding clamps every value into its bounds, after
 * taking |x| for weights unless negative weights are allowed (mergekit-evolve's transform), so strategies without
 * bound handling still give valid recipes.
 */
public final class RecipeSpace implements RecipeGenomeSpace {

    private static final String CATCH_ALL = "*";

    private final String method;
    private final List<String> evolvedModels;
    private final List<String> aliases;
    private final Optional<String> baseModel;
    private final int layers;
    private final int groups;
    private final List<String> filters;
    private final List<String> perModel;
    private final List<String> perTensor;
    private final Map<String, double[]> bounds;
    private final String init;
    private final Map<String, Double> initValues;
    private final boolean smooth;
    private final boolean allowNegativeWeights;
    private final Map<String, Object> methodParameters;
    private final Optional<String> outDtype;
    private final SearchSpace space;

    /**
     * @param method           the merge method's descriptor (its schema says which parameters are per model)
     * @param models           the input model references (absolute paths), in run-file order
     * @param baseModel        the base model reference, if given
     * @param layers           the models' layer count
     * @param groups           layer groups (must divide {@code layers})
     * @param filters          tensor-name filters with their own values
     * @param parameters       evolved parameters; empty = weight/density/t as the method takes them
     * @param bounds           bounds overriding the defaults
     * @param init             {@code mergekit}, {@code center}, {@code random} or {@code values}
     * @param initValues       with {@code values}: the starting value of each named evolved parameter, the same in
     *                         every layer group, filter and model (parameters not named start at the middle)
     * @param smooth           gradients over the depth instead of one slice per group
     * @param allowNegativeWeights keep the sign of weights
     * @param methodParameters fixed run-wide method parameters
     * @param outDtype         {@code out_dtype} written into recipes, if any
     * @param where            the run file, for error messages
     */
    public RecipeSpace(ExtensionDescriptor method, List<String> models, Optional<String> baseModel, int layers,
                       int groups, List<String> filters, List<String> parameters, Map<String, double[]> bounds,
                       String init, boolean smooth, boolean allowNegativeWeights, Map<String, Object> methodParameters,
                       Optional<String> outDtype, Path where) {
        this(method, models, baseModel, layers, groups, filters, parameters, bounds, init, Map.of(), smooth,
                allowNegativeWeights, methodParameters, outDtype, where);
    }

    /** As above, with explicit starting values for {@code init: values}. */
    public RecipeSpace(ExtensionDescriptor method, List<String> models, Optional<String> baseModel, int layers,
                       int groups, List<String> filters, List<String> parameters, Map<String, double[]> bounds,
                       String init, Map<String, Double> initValues, boolean smooth, boolean allowNegativeWeights,
                       Map<String, Object> methodParameters, Optional<String> outDtype, Path where) {
        this.method = method.id();
        boolean usesBase = method.has(Capability.REQUIRES_BASE_MODEL) || method.has(Capability.ACCEPTS_BASE_MODEL);
        if (method.has(Capability.REQUIRES_BASE_MODEL) && baseModel.isEmpty()) {
            throw EvomergeException.configuration(where + ": 'base_model' is missing; merge method '" + method.id()
                    + "' needs one");
        }
        if (method.has(Capability.LAYER_STACKING)) {
            throw EvomergeException.configuration(where + ": 'genome.merge_method': '" + method.id()
                    + "' stacks layers and has no parameters to evolve; use genome kind layer-path");
        }
        this.baseModel = usesBase ? baseModel : Optional.empty();
        this.evolvedModels = models.stream().filter(m -> this.baseModel.map(b -> !b.equals(m)).orElse(true)).toList();
        this.aliases = aliases(evolvedModels);
        if (layers <= 0) {
            throw EvomergeException.input(where + ": cannot tell how many layers the models have (no"
                    + " num_hidden_layers in config.json)", null);
        }
        if (groups > layers || layers % groups != 0) {
            throw EvomergeException.configuration(where + ": 'genome.layer_groups' = " + groups + " must divide the "
                    + layers + " layers evenly");
        }
        this.layers = layers;
        this.groups = groups;
        this.filters = List.copyOf(filters);
        List<String> chosen = parameters.isEmpty() ? defaults(method) : parameters;
        List<String> pm = new ArrayList<>();
        List<String> pt = new ArrayList<>();
        for (String name : chosen) {
            ParameterSpec spec = method.parameters().find(name).orElseThrow(() -> EvomergeException.configuration(
                    where + ": 'genome.parameters': '" + name + "' is not a parameter of merge method '" + method.id()
                            + "'"));
            if (spec.type() != ParameterType.NUMBER) {
                throw EvomergeException.configuration(where + ": 'genome.parameters': '" + name + "' of '"
                        + method.id() + "' is not a number and cannot evolve");
            }
            switch (spec.scope()) {
                case PER_MODEL -> pm.add(name);
                case PER_TENSOR -> pt.add(name);
                case GLOBAL -> throw EvomergeException.configuration(where + ": 'genome.parameters': '" + name
                        + "' is a run-wide option of '" + method.id() + "'; set it in genome.method_parameters");
            }
        }
        if (pm.isEmpty() && pt.isEmpty()) {
            throw EvomergeException.configuration(where + ": merge method '" + method.id()
                    + "' has no numeric parameters to evolve; name them in genome.parameters");
        }
        if (!pm.isEmpty() && evolvedModels.isEmpty()) {
            throw EvomergeException.configuration(where + ": 'models' has no model besides the base model");
        }
        this.perModel = List.copyOf(pm);
        this.perTensor = List.copyOf(pt);
        Map<String, double[]> b = new LinkedHashMap<>();
        for (String name : chosen) {
            double[] given = bounds.get(name);
            ParameterSpec spec = method.parameters().find(name).orElseThrow();
            double lo = given != null ? given[0] : spec.min() != null ? Math.max(spec.min(), 0) : 0;
            double hi = given != null ? given[1] : spec.max() != null ? Math.min(spec.max(), 1) : 1;
            b.put(name, new double[] {lo, hi});
        }
        for (String name : bounds.keySet()) {
            if (!b.containsKey(name)) {
                throw EvomergeException.configuration(where + ": 'genome.bounds." + name + "': '" + name
                        + "' is not an evolved parameter (evolved: " + String.join(", ", chosen) + ")");
            }
        }
        this.bounds = b;
        for (Map.Entry<String, Double> e : initValues.entrySet()) {
            double[] range = b.get(e.getKey());
            if (range == null) {
                throw EvomergeException.configuration(where + ": 'genome.init." + e.getKey() + "': '" + e.getKey()
                        + "' is not an evolved parameter (evolved: " + String.join(", ", chosen) + ")");
            }
            double v = e.getValue();
            if (!(v >= range[0] && v <= range[1])) {
                throw EvomergeException.configuration(String.format(Locale.ROOT,
                        "%s: 'genome.init.%s' = %s is outside its bounds [%s, %s]", where, e.getKey(), v, range[0],
                        range[1]));
            }
        }
        this.init = init;
        this.initValues = Map.copyOf(initValues);
        this.smooth = smooth;
        this.allowNegativeWeights = allowNegativeWeights;
        this.methodParameters = Map.copyOf(methodParameters);
        this.outDtype = outDtype;
        this.space = new SearchSpace(dimensions());
    }

    /** weight and density for the GTA family and linear, t for slerp-like methods: mergekit-evolve's choice. */
    private static List<String> defaults(ExtensionDescriptor method) {
        List<String> names = new ArrayList<>();
        for (String name : List.of("weight", "density", "t")) {
            method.parameters().find(name).filter(s -> s.type() == ParameterType.NUMBER).ifPresent(s -> names.add(name));
        }
        return names;
    }

    private static List<String> aliases(List<String> models) {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < models.size(); i++) {
            Path p = Path.of(models.get(i)).getFileName();
            String name = p == null ? "m" + i : p.toString();
            out.add(seen.add(name) ? name : name + "#" + i);
        }
        return out;
    }

    private List<String> filterSets() {
        List<String> sets = new ArrayList<>(filters);
        sets.add(CATCH_ALL);
        return sets;
    }

    private List<SearchSpace.Dimension> dimensions() {
        List<SearchSpace.Dimension> dims = new ArrayList<>();
        int size = layers / groups;
        for (int g = 0; g < groups; g++) {
            String group = "layers[" + g * size + "-" + ((g + 1) * size - 1) + "]";
            for (String f : filterSets()) {
                for (int m = 0; m < evolvedModels.size(); m++) {
                    for (String p : perModel) {
                        dims.add(new SearchSpace.Dimension(group + "." + f + "." + aliases.get(m) + "." + p,
                                bounds.get(p)[0], bounds.get(p)[1]));
                    }
                }
                for (String p : perTensor) {
                    dims.add(new SearchSpace.Dimension(group + "." + f + "." + p, bounds.get(p)[0], bounds.get(p)[1]));
                }
            }
        }
        return dims;
    }

    @Override
    public SearchSpace space() {
        return space;
    }

    /**
     * The starting point: {@code mergekit} = weight 1/n (n evolved models), density 1, other parameters at the middle
     * of their bounds; {@code center} = every value at the middle of its bounds (Sakana's 0.5);
     * {@code random} = uniform within the bounds, from {@code random}; {@code values} = the given value of each
     * named parameter (e.g. a hand-written recipe's weight and density, so the search starts from that recipe), the
     * middle of the bounds for the others.
     */
    @Override
    public ParameterGenome start(RandomSource random) {
        double[] x = new double[space.size()];
        for (int i = 0; i < x.length; i++) {
            SearchSpace.Dimension d = space.dimensions().get(i);
            String p = d.name().substring(d.name().lastIndexOf('.') + 1);
            double mid = (d.lower() + d.upper()) / 2;
            x[i] = switch (init) {
                case "random" -> d.lower() + (d.upper() - d.lower()) * random.uniform(i);
                case "center" -> mid;
                case "values" -> initValues.getOrDefault(p, mid);
                default -> p.equals("weight") ? 1.0 / Math.max(1, evolvedModels.size())
                        : p.equals("density") ? 1.0 : mid;
            };
            x[i] = Math.max(d.lower(), Math.min(d.upper(), x[i]));
        }
        return new ParameterGenome(x);
    }

    /** The value a coordinate stands for: |x| for weights (unless negative weights are allowed), clamped into bounds. */
    double decode(int index, double x) {
        SearchSpace.Dimension d = space.dimensions().get(index);
        String p = d.name().substring(d.name().lastIndexOf('.') + 1);
        double v = p.equals("weight") && !allowNegativeWeights ? Math.abs(x) : x;
        return Math.max(d.lower(), Math.min(d.upper(), v));
    }

    /**
     * The mergekit recipe a genome stands for, with the model references as given (absolute paths): the recipe the
     * evolution merges and scores.
     *
     * @throws IllegalArgumentException if the genome does not have {@code space().size()} values
     */
    @Override
    public MergeRecipe recipe(ParameterGenome genome) {
        if (genome.size() != space.size()) {
            throw new IllegalArgumentException("genome has " + genome.size() + " values, the recipe space "
                    + space.size());
        }
        double[] v = new double[genome.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = decode(i, genome.get(i));
        }
        List<String> sets = filterSets();
        int perSet = evolvedModels.size() * perModel.size() + perTensor.size();
        int perGroup = sets.size() * perSet;
        Map<String, ParameterValue> fixed = new LinkedHashMap<>();
        methodParameters.forEach((name, value) -> fixed.put(name, new ParameterValue.Scalar(value)));
        MergeRecipe recipe;
        if (smooth || groups == 1) {
            List<RecipeSource> models = new ArrayList<>();
            baseModel.ifPresent(b -> models.add(RecipeSource.everyLayer(b, Map.of())));
            for (int m = 0; m < evolvedModels.size(); m++) {
                Map<String, ParameterValue> params = new LinkedHashMap<>();
                for (int p = 0; p < perModel.size(); p++) {
                    int offset = m * perModel.size() + p;
                    params.put(perModel.get(p), value(sets, v, perGroup, perSet, offset));
                }
                models.add(RecipeSource.everyLayer(evolvedModels.get(m), params));
            }
            Map<String, ParameterValue> global = new LinkedHashMap<>(fixed);
            for (int p = 0; p < perTensor.size(); p++) {
                int offset = evolvedModels.size() * perModel.size() + p;
                global.put(perTensor.get(p), value(sets, v, perGroup, perSet, offset));
            }
            recipe = MergeRecipe.ofModels(method, baseModel, models, global);
        } else {
            int size = layers / groups;
            List<RecipeSlice> slices = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                int start = g * size;
                List<RecipeSource> sources = new ArrayList<>();
                baseModel.ifPresent(b -> sources.add(RecipeSource.layers(b, start, start + size, Map.of())));
                for (int m = 0; m < evolvedModels.size(); m++) {
                    Map<String, ParameterValue> params = new LinkedHashMap<>();
                    for (int p = 0; p < perModel.size(); p++) {
                        int offset = m * perModel.size() + p;
                        params.put(perModel.get(p), groupValue(sets, v, g * perGroup, perSet, offset));
                    }
                    sources.add(RecipeSource.layers(evolvedModels.get(m), start, start + size, params));
                }
                Map<String, ParameterValue> params = new LinkedHashMap<>();
                for (int p = 0; p < perTensor.size(); p++) {
                    int offset = evolvedModels.size() * perModel.size() + p;
                    params.put(perTensor.get(p), groupValue(sets, v, g * perGroup, perSet, offset));
                }
                slices.add(new RecipeSlice(sources, params));
            }
            recipe = MergeRecipe.ofSlices(method, baseModel, slices, fixed);
        }
        return recipe.withOutDtype(outDtype);
    }

    /**
     * The recipe of {@code genome} as a file in {@code folder} that rebuilds the scored merge bit for bit with
     * {@code evomerge merge}: model paths relative to {@code folder}, and {@code random_seed}, the root seed the
     * scored merge's randomness forked from.
     *
     * @param randomSeed the root seed of the in-memory merge that scored the genome
     * @throws IllegalArgumentException if the genome does not have {@code space().size()} values
     */
    @Override
    public String recipeFile(ParameterGenome genome, Path folder, long randomSeed) {
        return RecipeYaml.write(recipe(genome).relativeTo(folder).withRandomSeed(randomSeed));
    }

    /** One group's value of a parameter: a scalar without filters, else conditionals ending in the catch-all. */
    private static ParameterValue groupValue(List<String> sets, double[] v, int groupStart, int perSet, int offset) {
        if (sets.size() == 1) {
            return new ParameterValue.Scalar(v[groupStart + offset]);
        }
        List<ParameterValue.Conditional> conditionals = new ArrayList<>();
        for (int s = 0; s < sets.size(); s++) {
            conditionals.add(new ParameterValue.Conditional(filter(sets.get(s)),
                    new ParameterValue.Scalar(v[groupStart + s * perSet + offset])));
        }
        return new ParameterValue.Conditionals(conditionals);
    }

    /** A parameter over all groups: a gradient (list over the depth) per filter; a scalar with one group. */
    private ParameterValue value(List<String> sets, double[] v, int perGroup, int perSet, int offset) {
        if (groups == 1) {
            return groupValue(sets, v, 0, perSet, offset);
        }
        List<ParameterValue.Conditional> conditionals = new ArrayList<>();
        for (int s = 0; s < sets.size(); s++) {
            List<Object> gradient = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                gradient.add(v[g * perGroup + s * perSet + offset]);
            }
            if (sets.size() == 1) {
                return new ParameterValue.Gradient(gradient);
            }
            conditionals.add(new ParameterValue.Conditional(filter(sets.get(s)),
                    new ParameterValue.Gradient(gradient)));
        }
        return new ParameterValue.Conditionals(conditionals);
    }

    /** A filter set's conditional filter: none for the catch-all, which matches every tensor. */
    private static Optional<String> filter(String set) {
        return set.equals(CATCH_ALL) ? Optional.empty() : Optional.of(set);
    }
}
