package org.evomerge.engine.recipe;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A block of output layers made from the same number of layers of every source.
 *
 * @param sources    the inputs: all with layer ranges of one length ({@code slices:} form), or all without
 *                   ({@code models:} form, every layer)
 * @param parameters slice parameters (second precedence), in recipe order
 */
public record RecipeSlice(List<RecipeSource> sources, Map<String, ParameterValue> parameters) {

    public RecipeSlice {
        sources = List.copyOf(sources);
        parameters = ParameterValue.ordered(parameters);
        if (sources.isEmpty()) {
            throw new InvalidRecipeException("sources", "is empty");
        }
        boolean ranged = sources.getFirst().layerRange().isPresent();
        for (int j = 1; j < sources.size(); j++) {
            RecipeSource source = sources.get(j);
            String key = "sources[" + j + "].layer_range";
            if (source.layerRange().isPresent() != ranged) {
                throw new InvalidRecipeException(key, ranged ? "is missing; every source of a slice needs one"
                        : "is given, but the first source of the slice takes every layer");
            }
            if (ranged && source.layerRange().get().length() != sources.getFirst().layerRange().get().length()) {
                throw new InvalidRecipeException(key, "has " + source.layerRange().get().length() + " layers;"
                        + " every source of a slice needs the same number ("
                        + sources.getFirst().layerRange().get().length() + ")");
            }
        }
    }

    /**
     * The one slice of the {@code models:} form.
     *
     * @param models sources without layer ranges, in recipe order
     */
    public static RecipeSlice ofModels(List<RecipeSource> models) {
        if (models.isEmpty()) {
            throw new InvalidRecipeException("", "is empty");
        }
        return new RecipeSlice(models, Map.of());
    }

    /** This slice with every model reference mapped by {@code reference}. */
    RecipeSlice withModels(UnaryOperator<String> reference) {
        return new RecipeSlice(sources.stream().map(s -> s.withModel(reference)).toList(), parameters);
    }

    /** Whether the sources take every layer ({@code models:} form) rather than layer ranges. */
    public boolean takesEveryLayer() {
        return sources.getFirst().layerRange().isEmpty();
    }

    /**
     * The rule for the slices of a recipe or module: the {@code models:} form is one slice over every layer, the
     * {@code slices:} form one or more slices with layer ranges.
     *
     * @throws InvalidRecipeException naming {@code models} or {@code slices}
     */
    static void checkForm(List<RecipeSlice> slices, boolean modelsForm) {
        String key = modelsForm ? "models" : "slices";
        if (slices.isEmpty()) {
            throw new InvalidRecipeException(key, "is empty");
        }
        if (modelsForm && (slices.size() != 1 || !slices.getFirst().takesEveryLayer())) {
            throw new InvalidRecipeException(key, "must be one slice whose sources take every layer");
        }
        if (!modelsForm && slices.stream().anyMatch(RecipeSlice::takesEveryLayer)) {
            throw new InvalidRecipeException(key, "need a layer_range for every source");
        }
    }
}
