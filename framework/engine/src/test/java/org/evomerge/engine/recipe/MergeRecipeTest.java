package org.evomerge.engine.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;

/**
 * Recipes built in code obey the rules a read recipe obeys, because the rules are the parts' own: each rule is
 * broken once in code and once in YAML, and both name the same key.
 */
class MergeRecipeTest {

    private static final Path FILE = Path.of("recipe.yml");

    private static void assertBreaks(String expected, Supplier<?> built, String yaml) {
        InvalidRecipeException inCode = assertThrows(InvalidRecipeException.class, built::get);
        EvomergeException read = assertThrows(EvomergeException.class, () -> RecipeReader.parse(yaml, FILE));
        assertTrue(read.getMessage().contains(inCode.problem()), inCode.getMessage() + " is the rule of " + read);
        assertTrue(read.getMessage().startsWith("recipe.yml: "), read.getMessage());
        assertTrue(read.getMessage().contains(expected), read.getMessage() + " should contain " + expected);
    }

    private static RecipeSource ranged(String model, int start, int end) {
        return RecipeSource.layers(model, start, end, Map.of());
    }

    @Test
    void layerRangesStartAtZeroOrLaterAndAreNotEmpty() {
        assertBreaks("'slices[0].sources[0].layer_range' must be [start, end) with 0 <= start < end",
                () -> ranged("a", 4, 4), "merge_method: passthrough\nslices:\n- sources:\n  - model: a\n"
                        + "    layer_range: [4, 4]\n");
        assertEquals(3, new LayerRange(2, 5).length());
    }

    @Test
    void everySourceOfASliceTakesAsManyLayers() {
        assertBreaks("'slices[0].sources[1].layer_range' has 3 layers; every source of a slice needs the same number"
                + " (2)", () -> new RecipeSlice(List.of(ranged("a", 0, 2), ranged("b", 0, 3)), Map.of()),
                "merge_method: linear\nslices:\n- sources:\n  - {model: a, layer_range: [0, 2]}\n"
                        + "  - {model: b, layer_range: [0, 3]}\n");
        InvalidRecipeException mixed = assertThrows(InvalidRecipeException.class, () -> new RecipeSlice(List.of(
                ranged("a", 0, 2), RecipeSource.everyLayer("b", Map.of())), Map.of()));
        assertEquals("sources[1].layer_range", mixed.key());
    }

    @Test
    void slicesAndModelsAreNotEmpty() {
        assertBreaks("'slices[0].sources' is empty", () -> new RecipeSlice(List.of(), Map.of()),
                "merge_method: linear\nslices:\n- sources: []\n");
        assertBreaks("'models' is empty", () -> MergeRecipe.ofModels("linear", Optional.empty(), List.of(), Map.of()),
                "merge_method: linear\nmodels: []\n");
        assertBreaks("'slices' is empty", () -> MergeRecipe.ofSlices("linear", Optional.empty(), List.of(),
                Map.of()), "merge_method: linear\nslices: []\n");
    }

    @Test
    void modelReferencesAreLocalFoldersOrHubIds() {
        // mergekit's LoRA references (model+lora) are models too: the adapter is applied as the model is read.
        assertEquals("a+lora", RecipeReader.parse("merge_method: linear\nmodels:\n- model: a+lora\n",
                Path.of("recipe.yml")).modelReferences().getFirst());
        // hub ids with a revision are found in the local hub cache when the merge runs (HubCacheModels)
        assertEquals(Optional.of("org/m@main"), RecipeReader.parse("merge_method: linear\nbase_model: org/m@main\n"
                + "models:\n- model: org/m@v1+org/lora@main\n", Path.of("recipe.yml")).baseModel());
        assertBreaks("'base_model' = 'models/x/m@main': a revision (@rev) goes with a Hugging Face hub id",
                () -> MergeRecipe.ofModels("linear", Optional.of("models/x/m@main"),
                        List.of(RecipeSource.everyLayer("a", Map.of())), Map.of()),
                "merge_method: linear\nbase_model: models/x/m@main\nmodels:\n- model: a\n");
    }

    @Test
    void dtypesAreTheOnesMergekitKnows() {
        MergeRecipe recipe = MergeRecipe.ofModels("linear", Optional.empty(),
                List.of(RecipeSource.everyLayer("a", Map.of())), Map.of());
        assertBreaks("'out_dtype' must be float32, bfloat16 or float16, got 'int8'",
                () -> recipe.withOutDtype(Optional.of("int8")), "merge_method: linear\nmodels:\n- model: a\n"
                        + "out_dtype: int8\n");
    }

    @Test
    void parameterValuesAreValuesOrGradients() {
        assertBreaks("'parameters.weight' must be a value or a list of values (a gradient), got []",
                () -> new ParameterValue.Gradient(List.of()), "merge_method: linear\nmodels:\n- model: a\n"
                        + "parameters:\n  weight: []\n");
        assertBreaks("'parameters.weight' must be a value, a list of values or a list of {filter, value}, got null",
                () -> new ParameterValue.Scalar(null), "merge_method: linear\nmodels:\n- model: a\n"
                        + "parameters:\n  weight: null\n");
        assertThrows(InvalidRecipeException.class, () -> new ParameterValue.Scalar(List.of(1.0)));
        assertThrows(InvalidRecipeException.class, () -> new ParameterValue.Conditional(Optional.empty(),
                new ParameterValue.Conditionals(List.of(new ParameterValue.Conditional(Optional.empty(),
                        new ParameterValue.Scalar(1.0))))));
    }

    @Test
    void recipesThatMergeTheSameAreEqualWhateverTheirOrigin() {
        MergeRecipe built = MergeRecipe.ofModels("linear", Optional.empty(), List.of(RecipeSource.everyLayer("a",
                Map.of("weight", new ParameterValue.Scalar(1.0)))), Map.of());
        MergeRecipe read = RecipeReader.parse("merge_method: linear\nmodels:\n- model: a\n  parameters: {weight: 1.0}\n",
                FILE);
        assertEquals(built.withOrigin(read.origin()), read);
        assertEquals("merge_method: linear\nmodels:\n- model: a\n  parameters:\n    weight: 1.0\n", built.text());
        assertEquals("merge_method: linear\nmodels:\n- model: a\n  parameters: {weight: 1.0}\n", read.text(),
                "a read recipe keeps its own text");
    }
}
