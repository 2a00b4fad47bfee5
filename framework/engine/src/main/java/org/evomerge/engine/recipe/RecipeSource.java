package org.evomerge.engine.recipe;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.evomerge.engine.lora.LoraReference;
import org.evomerge.engine.model.HubCacheModels;

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
     * The rule for a reference a tokenizer is taken from: a model reference ({@link #checkReference}) without an
     * adapter, since the tokenizer is the model's (the vocabulary code reads it from the model's folder).
     *
     * @param key the reference's key, for the message
     * @throws InvalidRecipeException naming {@code key} if the reference breaks the rule
     */
    public static void checkTokenizerReference(String reference, String key) {
        if (LoraReference.isWritten(reference)) {
            throw new InvalidRecipeException(key, "= '" + reference + "': a tokenizer comes from a model, not a LoRA"
                    + " reference (model+lora); name the model");
        }
        checkReference(reference, key);
    }

    /**
     * The rule for every model reference of a recipe: a local folder, a Hugging Face hub id {@code org/name} or
     * {@code org/name@rev} (found in the local hub cache), or a LoRA reference ({@code model+lora}, the model with a
     * PEFT adapter applied) of those; a revision on anything but a hub id is refused.
     *
     * @param key the reference's key, for the message
     * @throws InvalidRecipeException naming {@code key} if the reference breaks the rule
     */
    public static void checkReference(String reference, String key) {
        List<String> parts = LoraReference.split(reference).map(List::of).orElse(List.of(reference));
        for (String part : parts) {
            if (part.contains("@") && !HubCacheModels.isHubReference(part)) {
                throw new InvalidRecipeException(key, "= '" + reference + "': a revision (@rev) goes with a Hugging"
                        + " Face hub id, org/name@rev (found in the local hub cache; evomerge downloads nothing)");
            }
        }
    }
}
