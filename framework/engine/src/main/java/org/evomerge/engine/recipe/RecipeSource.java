package org.evomerge.engine.recipe;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * One input model of a slice.
 *
 * @param model      the model reference as written in the recipe (a local path)
 * @param layerRange the layers taken, or empty for "every layer" ({@code models:} form)
 * @param parameters this source's parameters (highest precedence), in recipe order
 */
public record RecipeSource(String model, Optional<LayerRange> layerRange, Map<String, ParameterValue> parameters) {

    public RecipeSource {
        Objects.requireNonNull(model, "model");
        checkReference(model, "model");
        layerRange = layerRange == null ? Optional.empty() : layerRange;
        parameters = ParameterValue.ordered(parameters);
    }

    /** A source of the {@code models:} form: every layer of {@code model}. */
    public static RecipeSource everyLayer(String model, Map<String, ParameterValue> parameters) {
        return new RecipeSource(model, Optional.empty(), parameters);
    }

    /** A source of the {@code slices:} form: layers {@code [start, end)} of {@code model}. */
    public static RecipeSource layers(String model, int start, int end, Map<String, ParameterValue> parameters) {
        return new RecipeSource(model, Optional.of(new LayerRange(start, end)), parameters);
    }

    /** This source with its model reference mapped by {@code reference}. */
    RecipeSource withModel(UnaryOperator<String> reference) {
        return new RecipeSource(reference.apply(model), layerRange, parameters);
    }

    /**
     * The rule for every model reference of a recipe: a local folder, not a LoRA reference ({@code model+lora}) or a
     * Hugging Face hub revision ({@code model@rev}).
     *
     * @param key the reference's key, for the message
     * @throws InvalidRecipeException naming {@code key} if the reference breaks the rule
     */
    public static void checkReference(String reference, String key) {
        if (reference.contains("+")) {
            throw new InvalidRecipeException(key, "= '" + reference + "': LoRA references (model+lora) are not"
                    + " supported yet; merge the LoRA into its model first");
        }
        if (reference.contains("@")) {
            throw new InvalidRecipeException(key, "= '" + reference + "': revisions (@rev) name Hugging Face hub"
                    + " models, which evomerge does not download; give a local folder");
        }
    }
}
