package org.evomerge.engine.merge;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks {@code evomerge merge} makes before planning: model paths and the opened models. */
class MergeJobTest {

    @TempDir
    Path temp;

    @Test
    void aNulByteInAModelPathIsAnInputErrorNamingTheRecipeAndTheModel() {
        Path file = temp.resolve("recipe.yml");
        MergeRecipe recipe = RecipeReader.parse("merge_method: linear\nmodels:\n  - model: \"models/ba\\0se\"\n", file);
        String reference = recipe.modelReferences().getFirst();
        EvomergeException e = assertThrows(EvomergeException.class, () -> recipe.locate(reference, temp));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertEquals(file + ": model: 'models/ba\\x00se' is not a valid path (Nul character not allowed)",
                e.getMessage());
    }

    private static final MergeRecipe RECIPE = RecipeReader.parse(
            "merge_method: linear\nmodels: [{model: ./llama}, {model: ./mistral}]\n", Path.of("recipe.yml"));

    private static Model model(String... architectures) {
        return ArrayModels.of(new ModelConfig(Map.of(), Map.of("architectures", List.of(architectures))),
                Map.of(), Map.of());
    }

    @Test
    void modelsOfDifferentArchitecturesAreRefusedAsMergekitRefusesThem() {
        Map<String, Model> models = new LinkedHashMap<>();
        models.put("./llama", model("LlamaForCausalLM"));
        models.put("./mistral", model("MistralForCausalLM"));
        EvomergeException e = assertThrows(EvomergeException.class, () -> MergeJob.checkSameArchitecture(RECIPE, models));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertEquals("recipe.yml: the models have different architectures (./llama: LlamaForCausalLM, ./mistral:"
                + " MistralForCausalLM); give --allow-crimes to merge them anyway, as mergekit asks", e.getMessage());
    }

    @Test
    void theSameArchitectureOrAModelWithoutOnePasses() {
        Map<String, Model> same = new LinkedHashMap<>();
        same.put("./llama", model("LlamaForCausalLM"));
        same.put("./mistral", model("LlamaForCausalLM"));
        assertDoesNotThrow(() -> MergeJob.checkSameArchitecture(RECIPE, same));
        // mergekit compares only when it knows every model's architecture; a model that names none is not compared.
        Map<String, Model> unnamed = new LinkedHashMap<>();
        unnamed.put("./llama", model("LlamaForCausalLM"));
        unnamed.put("./mistral", model());
        assertDoesNotThrow(() -> MergeJob.checkSameArchitecture(RECIPE, unnamed));
        assertTrue(new MergeJob.Options(Path.of("out"), "safetensors", 1, false, "v", Path.of(".")).copyTokenizer());
    }
}
