package org.evomerge.engine.recipe;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One input model of a slice.
 *
 * @param model      the model reference as written in the recipe (a local path)
 * @param layerRange the half-open layer range {@code [start, end)}, or empty for "every layer" ({@code models:} form)
 * @param parameters this source's parameters (highest precedence)
 */
public record RecipeSource(String model, Optional<int[]> layerRange, Map<String, ParameterValue> parameters) {

    public RecipeSource {
        Objects.requireNonNull(model, "model");
        layerRange = layerRange == null ? Optional.empty() : layerRange;
        parameters = Map.copyOf(parameters);
    }
}
