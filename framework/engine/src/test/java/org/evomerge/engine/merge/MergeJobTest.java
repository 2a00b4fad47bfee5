package org.evomerge.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model references of a recipe become paths: text the file system refuses is bad input naming the recipe. */
class MergeJobTest {

    @TempDir
    Path temp;

    @Test
    void aNulByteInAModelPathIsAnInputErrorNamingTheRecipeAndTheModel() {
        Path file = temp.resolve("recipe.yml");
        MergeRecipe recipe = RecipeReader.parse("merge_method: linear\nmodels:\n  - model: \"models/ba\\0se\"\n", file);
        String reference = recipe.modelReferences().getFirst();
        EvomergeException e = assertThrows(EvomergeException.class, () -> MergeJob.locate(recipe, reference, temp));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertEquals(file + ": model: 'models/ba\\x00se' is not a valid path (Nul character not allowed)",
                e.getMessage());
    }
}
