package org.evomerge.engine.evolution.genome;

import java.nio.file.Path;
import java.util.ArrayList;
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
 * Sakana's data-flow space as a passthrough frankenmerge. The layers of all models, concatenated (model 0's first),
 * repeated {@code repeats} times, give T slots; a parameter genome holds an inclusion value per slot (the slot is on
 * the path when it is above 0) and a scale per slot. The path's layers keep their weights; a step's scale multiplies
 * its output projections ({@code o_proj}, {@code down_proj}), the weight-space counterpart of the paper's scaling of
 * the hidden state passed on (its M×M matrix is reduced to one factor per slot).
 */
public final class LayerPathSpace {

    private final List<String> models;
    private final int[] layers;
    private final int repeats;
    private final double[] scaleBounds;
    private final Optional<String> outDtype;
    private final int slots;
    private final SearchSpace space;

    /**
     * @param models      the model references (absolute paths), by index
     * @param layers      each model's layer count
     * @param repeats     how often the layer sequence repeats
     * @param scaleBounds [lower, upper] of the step scales
     * @param outDtype    {@code out_dtype} written into recipes, if any
     */
    public LayerPathSpace(List<String> models, int[] layers, int repeats, double[] scaleBounds,
                          Optional<String> outDtype) {
        this.models = List.copyOf(models);
        this.layers = layers.clone();
        this.repeats = repeats;
        this.scaleBounds = scaleBounds.clone();
        this.outDtype = outDtype;
        int total = 0;
        for (int l : layers) {
            total = Math.addExact(total, l);
        }
        this.slots = Math.multiplyExact(total, repeats);
        List<SearchSpace.Dimension> dims = new ArrayList<>();
        for (int t = 0; t < slots; t++) {
            int[] src = source(t);
            dims.add(new SearchSpace.Dimension("slot[" + t + "].m" + src[0] + ".l" + src[1] + ".include", -1, 1));
        }
        for (int t = 0; t < slots; t++) {
            dims.add(new SearchSpace.Dimension("slot[" + t + "].scale", scaleBounds[0], scaleBounds[1]));
        }
        this.space = new SearchSpace(dims);
    }

    public SearchSpace space() {
        return space;
    }

    /** {model, layer} of a slot. */
    private int[] source(int slot) {
        int flat = slot % (slots / repeats);
        for (int m = 0; m < layers.length; m++) {
            if (flat < layers[m]) {
                return new int[] {m, flat};
            }
            flat -= layers[m];
        }
        throw new IllegalStateException("slot " + slot);
    }

    /** Model 0's layers on the path, once, at scale 1 (clamped into the scale bounds): the paper's initialisation. */
    public ParameterGenome start() {
        double[] x = new double[2 * slots];
        for (int t = 0; t < slots; t++) {
            x[t] = t < layers[0] ? 0.5 : -0.5;
            x[slots + t] = Math.max(scaleBounds[0], Math.min(scaleBounds[1], 1.0));
        }
        return new ParameterGenome(x);
    }

    /** The path a parameter genome encodes; a genome with no slot above 0 keeps its highest slot, never an empty path. */
    public LayerPathGenome decode(ParameterGenome genome) {
        if (genome.size() != space.size()) {
            throw new IllegalArgumentException("genome has " + genome.size() + " values, the layer-path space "
                    + space.size());
        }
        List<LayerPathGenome.Step> steps = new ArrayList<>();
        int best = 0;
        for (int t = 0; t < slots; t++) {
            if (genome.get(t) > genome.get(best)) {
                best = t;
            }
            if (genome.get(t) > 0) {
                steps.add(step(genome, t));
            }
        }
        if (steps.isEmpty()) {
            steps.add(step(genome, best));
        }
        return new LayerPathGenome(steps);
    }

    private LayerPathGenome.Step step(ParameterGenome genome, int t) {
        int[] src = source(t);
        double scale = Math.max(scaleBounds[0], Math.min(scaleBounds[1], genome.get(slots + t)));
        return new LayerPathGenome.Step(src[0], src[1], scale);
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
