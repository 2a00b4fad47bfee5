package org.evomerge.engine.recipe;

import java.util.List;
import java.util.Map;

/**
 * A block of output layers made from the same layer range of every source.
 *
 * @param sources    the inputs, whose ranges all have the same length
 * @param parameters slice parameters (second precedence)
 */
public record RecipeSlice(List<RecipeSource> sources, Map<String, ParameterValue> parameters) {

    public RecipeSlice {
        sources = List.copyOf(sources);
        parameters = Map.copyOf(parameters);
    }
}
