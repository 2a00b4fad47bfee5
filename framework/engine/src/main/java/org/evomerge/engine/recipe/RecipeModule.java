package org.evomerge.engine.recipe;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * One entry of a recipe's {@code modules:} (mergekit's {@code OutputModuleDefinition}): what to make of one module of
 * a multi-module model, such as the text decoder or the vision tower of a vision-language model.
 *
 * @param name       the module's name, as the architecture description declares it
 * @param slices     its slices (one slice over every layer of the module for the {@code models:} form)
 * @param modelsForm whether the module used {@code models:} rather than {@code slices:}
 * @param parameters module parameters (third precedence: after source and slice, before global), in recipe order
 */
public record RecipeModule(String name, List<RecipeSlice> slices, boolean modelsForm,
                           Map<String, ParameterValue> parameters) {

    public RecipeModule {
        Objects.requireNonNull(name, "name");
        slices = List.copyOf(slices);
        RecipeSlice.checkForm(slices, modelsForm);
        parameters = ParameterValue.ordered(parameters);
    }

    /** This module with every model reference mapped by {@code reference}. */
    RecipeModule withModels(UnaryOperator<String> reference) {
        return new RecipeModule(name, slices.stream().map(s -> s.withModels(reference)).toList(), modelsForm,
                parameters);
    }
}
