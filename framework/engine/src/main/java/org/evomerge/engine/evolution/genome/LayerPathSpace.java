package org.evomerge.engine.evolution.genome;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.genome.LayerPathGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.ParameterValue;
import org.evomerge.engine.recipe.RecipeSlice;
import org.evomerge.engine.recipe.RecipeSource;
import org.evomerge.engine.recipe.RecipeYaml;

/**
 * Sakana's data-flow space (DFS) as a passthrough frankenmerge. The layers of all models, concatenated (model 0's
 * first), repeated {@code repeats} times, give T slots; a parameter genome holds an inclusion value per slot (the slot
 * is on the path when it is above 0) and then the scale values of its {@link Scaling}. The path's layers keep their
 * weights except their output projections ({@code o_proj}, {@code down_proj}), which carry each step's factor
 * ({@link LayerPathGenome.Step#scale()}), so a candidate stays an ordinary checkpoint.
 *
 * <p>{@link Scaling#TRANSITION} is the paper's M×M matrix W over the M concatenated source layers: the hidden state
 * passed from included layer i to the next included layer j is multiplied by W[i][j]. For a pre-norm decoder (Llama,
 * Mistral, Qwen2) a layer fed {@code c·h} (c > 0) returns {@code c·L'(h)}, where L' is the layer with its output
 * projections multiplied by 1/c (RMSNorm ignores the factor, up to its ε), and the final norm ignores a factor on
 * the last hidden state; so step k gets 1/(s_1·…·s_k), the inverse of the product of the transition scales up to
 * it, and the folded model computes the published one's logits (docs/evolution.md, "Transition scaling").
 */
public final class LayerPathSpace {

    /** What the scale values of a genome mean. */
    public enum Scaling {
        /** The paper's M×M transition matrix W, folded exactly into the output projections (scales above 0). */
        TRANSITION("transition"),
        /** One scale per slot, multiplying that step's output projections: the layer's contribution only. */
        SLOT("slot"),
        /** No scale values: every step keeps its weights. */
        NONE("none");

        private final String id;

        Scaling(String id) {
            this.id = id;
        }

        /** The run-file spelling ({@code genome.scaling}). */
        public String id() {
            return id;
        }
    }

    private final List<String> models;
    private final int[] layers;
    private final int repeats;
    private final double[] scaleBounds;
    private final Scaling scaling;
    private final Optional<String> outDtype;
    private final int sourceLayers;
    private final int slots;
    private final SearchSpace space;

    /**
     * @param models      the model references (absolute paths), by index
     * @param layers      each model's layer count
     * @param repeats     how often the layer sequence repeats
     * @param scaleBounds [lower, upper] of the scale values (transition: lower above 0)
     * @param scaling     what the scale values mean
     * @param outDtype    {@code out_dtype} written into recipes, if any
     * @throws IllegalArgumentException for transition scaling with a lower bound not above 0: a negative factor on the
     *                                  hidden state has no weight folding (the MLP is not an odd function)
     */
    public LayerPathSpace(List<String> models, int[] layers, int repeats, double[] scaleBounds, Scaling scaling,
                          Optional<String> outDtype) {
        if (scaling == Scaling.TRANSITION && !(scaleBounds[0] > 0)) {
            throw new IllegalArgumentException("transition scales must be above 0, got the lower bound "
                    + scaleBounds[0]);
        }
        this.models = List.copyOf(models);
        this.layers = layers.clone();
        this.repeats = repeats;
        this.scaleBounds = scaleBounds.clone();
        this.scaling = scaling;
        this.outDtype = outDtype;
        int total = 0;
        for (int l : layers) {
            total = Math.addExact(total, l);
        }
        this.sourceLayers = total;
        this.slots = Math.multiplyExact(total, repeats);
        List<SearchSpace.Dimension> dims = new ArrayList<>();
        for (int t = 0; t < slots; t++) {
            dims.add(new SearchSpace.Dimension("slot[" + t + "]." + sourceName(t % total) + ".include", -1, 1));
        }
        switch (scaling) {
            case SLOT -> {
                for (int t = 0; t < slots; t++) {
                    dims.add(new SearchSpace.Dimension("slot[" + t + "].scale", scaleBounds[0], scaleBounds[1]));
                }
            }
            case TRANSITION -> {
                for (int i = 0; i < total; i++) {
                    for (int j = 0; j < total; j++) {
                        dims.add(new SearchSpace.Dimension("transition[" + sourceName(i) + "->" + sourceName(j)
                                + "]", scaleBounds[0], scaleBounds[1]));
                    }
                }
            }
            case NONE -> {
            }
        }
        this.space = new SearchSpace(dims);
    }

    public SearchSpace space() {
        return space;
    }

    public Scaling scaling() {
        return scaling;
    }

    /** M: the source layers of all models together, the side of the transition matrix. */
    public int sourceLayers() {
        return sourceLayers;
    }

    /** {model, layer} of an index into the concatenated source layers. */
    private int[] source(int flat) {
        for (int m = 0; m < layers.length; m++) {
            if (flat < layers[m]) {
                return new int[] {m, flat};
            }
            flat -= layers[m];
        }
        throw new IllegalStateException("source layer " + flat);
    }

    private String sourceName(int flat) {
        int[] src = source(flat);
        return "m" + src[0] + ".l" + src[1];
    }

    /**
     * Model 0's layers on the path, once, every scale 1 (clamped into the scale bounds): the paper's initialisation.
     */
    public ParameterGenome start() {
        double[] x = new double[space.size()];
        double one = clamp(1.0);
        for (int t = 0; t < slots; t++) {
            x[t] = t < layers[0] ? 0.5 : -0.5;
        }
        Arrays.fill(x, slots, x.length, one);
        return new ParameterGenome(x);
    }

    /**
     * The path a parameter genome encodes, its steps in slot order; a genome with no slot above 0 keeps its highest
     * slot, never an empty path. Each step's scale is the factor its output projections get: the slot's scale, the
     * inverse product of the transition scales up to it, or 1.
     */
    public LayerPathGenome decode(ParameterGenome genome) {
        int[] path = slotsOnPath(genome);
        double[] transitions = transitionScales(genome, path);
        List<LayerPathGenome.Step> steps = new ArrayList<>();
        double product = 1.0;
        for (int k = 0; k < path.length; k++) {
            int[] src = source(path[k] % sourceLayers);
            double scale = switch (scaling) {
                case SLOT -> clamp(genome.get(slots + path[k]));
                case TRANSITION -> 1.0 / (product *= transitions[k]);
                case NONE -> 1.0;
            };
            steps.add(new LayerPathGenome.Step(src[0], src[1], scale));
        }
        return new LayerPathGenome(steps);
    }

    /**
     * The transition scale entering each step of the path {@code genome} encodes: 1 for the first step (the
     * embeddings' output has no entry in W), then W[previous source layer][this source layer], clamped into the
     * scale bounds; all 1 unless the scaling is {@link Scaling#TRANSITION}.
     */
    public double[] transitionScales(ParameterGenome genome) {
        return transitionScales(genome, slotsOnPath(genome));
    }

    private double[] transitionScales(ParameterGenome genome, int[] path) {
        double[] scales = new double[path.length];
        Arrays.fill(scales, 1.0);
        if (scaling == Scaling.TRANSITION) {
            for (int k = 1; k < path.length; k++) {
                int from = path[k - 1] % sourceLayers;
                int to = path[k] % sourceLayers;
                scales[k] = clamp(genome.get(slots + from * sourceLayers + to));
            }
        }
        return scales;
    }

    /** The slots on the path, in order. */
    private int[] slotsOnPath(ParameterGenome genome) {
        if (genome.size() != space.size()) {
            throw new IllegalArgumentException("genome has " + genome.size() + " values, the layer-path space "
                    + space.size());
        }
        List<Integer> on = new ArrayList<>();
        int best = 0;
        for (int t = 0; t < slots; t++) {
            if (genome.get(t) > genome.get(best)) {
                best = t;
            }
            if (genome.get(t) > 0) {
                on.add(t);
            }
        }
        if (on.isEmpty()) {
            on.add(best);
        }
        return on.stream().mapToInt(Integer::intValue).toArray();
    }

    private double clamp(double scale) {
        return Math.max(scaleBounds[0], Math.min(scaleBounds[1], scale));
    }

    /** The passthrough recipe of a path: one slice per step. */
    public MergeRecipe recipe(LayerPathGenome path) {
        return recipe(path, models, outDtype);
    }

    /** {@link #recipeFile(LayerPathGenome, List, Optional, Path, long)} over this space's models. */
    public String recipeFile(LayerPathGenome path, Path folder, long randomSeed) {
        return recipeFile(path, models, outDtype, folder, randomSeed);
    }

    /**
     * The passthrough recipe of a path over {@code models}, with the model references as given (absolute paths): the
     * recipe the evolution merges and scores.
     *
     * @throws IllegalArgumentException if a step names a model index outside {@code models} or an empty path
     */
    public static MergeRecipe recipe(LayerPathGenome path, List<String> models, Optional<String> outDtype) {
        if (path.steps().isEmpty()) {
            throw new IllegalArgumentException("a layer path needs at least one step");
        }
        List<RecipeSlice> slices = new ArrayList<>();
        for (LayerPathGenome.Step step : path.steps()) {
            if (step.model() < 0 || step.model() >= models.size()) {
                throw new IllegalArgumentException("layer path step names model " + step.model() + " of "
                        + models.size());
            }
            Map<String, ParameterValue> parameters = new LinkedHashMap<>();
            if (step.scale() != 1.0) {
                ParameterValue.Scalar scale = new ParameterValue.Scalar(step.scale());
                parameters.put("scale", new ParameterValue.Conditionals(List.of(
                        new ParameterValue.Conditional(Optional.of("o_proj"), scale),
                        new ParameterValue.Conditional(Optional.of("down_proj"), scale),
                        new ParameterValue.Conditional(Optional.empty(), new ParameterValue.Scalar(1.0)))));
            }
            slices.add(new RecipeSlice(List.of(RecipeSource.layers(models.get(step.model()), step.layer(),
                    step.layer() + 1, parameters)), Map.of()));
        }
        return MergeRecipe.ofSlices("passthrough", Optional.empty(), slices, Map.of()).withOutDtype(outDtype);
    }

    /**
     * The recipe of {@code path} as a file in {@code folder} that rebuilds the scored merge with
     * {@code evomerge merge}: model paths relative to {@code folder}, and {@code random_seed}, the root seed of the
     * scored merge (passthrough draws nothing from it; it is written for every exported recipe alike).
     */
    public static String recipeFile(LayerPathGenome path, List<String> models, Optional<String> outDtype, Path folder,
                                    long randomSeed) {
        return RecipeYaml.write(recipe(path, models, outDtype).relativeTo(folder).withRandomSeed(randomSeed));
    }
}
