package org.evomerge.engine.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Recipes as written: every double reads back exactly, in SnakeYAML and in PyYAML's YAML 1.1 float syntax, and a
 * written recipe reads back as the recipe that was written.
 */
class RecipeYamlTest {

    /**
     * The plain floats of YAML 1.1 as PyYAML resolves them (the values mergekit reads): digits, a '.', digits, and
     * an optional exponent that carries its sign. Anything else PyYAML reads as a string or an integer.
     */
    private static final Pattern YAML_11_FLOAT = Pattern.compile("[-+]?[0-9][0-9_]*\\.[0-9_]*(?:[eE][-+][0-9]+)?");

    private static final double[] VALUES = {0.1, 0.1 + 0.2, 1.0 / 3, 0.7, 1.0, 0.0, -0.0, -2.5, 1e-5, 2.5e-4, 1e-3,
        1e7, 1.2345e10, 1e22, 1e300, Double.MIN_VALUE, Double.MAX_VALUE, 123456789.125, 0.8736491523288407};

    private static final Path FILE = Path.of("/runs/r1/best/recipe.yml");

    @Test
    void doublesAreTheShortestTextThatReadsBackExactly() {
        assertEquals("0.1", RecipeYaml.shortest(0.1));
        assertEquals("0.30000000000000004", RecipeYaml.shortest(0.1 + 0.2)); // the value merged, not noise added
        assertEquals("1.0e-05", RecipeYaml.shortest(1e-5));
        assertEquals("1.2345e+10", RecipeYaml.shortest(1.2345e10));
        assertEquals("4.9e-324", RecipeYaml.shortest(Double.MIN_VALUE));
        for (double v : VALUES) {
            String text = RecipeYaml.shortest(v);
            assertTrue(YAML_11_FLOAT.matcher(text).matches(), text + " is a YAML 1.1 float");
            assertEquals(v, Double.parseDouble(text), text);
            assertEquals(Double.toString(v), Double.toString(Double.parseDouble(text)), "no digit more than needed");
        }
    }

    @Test
    void aWrittenRecipeReadsBackAsTheSameRecipeWithoutAnchors() {
        List<RecipeSource> sources = new ArrayList<>();
        for (double v : VALUES) {
            Map<String, ParameterValue> parameters = new LinkedHashMap<>();
            parameters.put("weight", new ParameterValue.Scalar(v));
            parameters.put("density", new ParameterValue.Gradient(List.of(v, 0.5)));
            sources.add(RecipeSource.layers("../m", 0, 2, parameters));
        }
        MergeRecipe recipe = MergeRecipe.ofSlices("dare_ties", Optional.empty(),
                List.of(new RecipeSlice(sources, Map.of())), Map.of()).withRandomSeed(-4372098096615728135L);
        String text = recipe.text();
        assertFalse(text.contains("&") || text.contains("*"), text);
        assertTrue(text.contains("layer_range: [0, 2]\n"), text);
        assertTrue(text.contains("density: [0.1, 0.5]\n"), text);
        assertTrue(text.endsWith("random_seed: -4372098096615728135\n"), text);
        MergeRecipe read = RecipeReader.parse(text, FILE, true);
        assertEquals(recipe.withOrigin(read.origin()), read);
    }

    @Test
    void everyFormAndSettingReadsBackAsWritten() {
        String yaml = """
                merge_method: ties
                base_model: base
                modules:
                  text_decoder:
                    slices:
                    - sources:
                      - model: base
                        layer_range: [0, 4]
                      - model: ft
                        layer_range: [4, 8]
                        parameters:
                          weight:
                          - filter: mlp
                            value: [0.25, 0.75]
                          - filter: '*'
                            value: 0.5
                      parameters:
                        density: 0.5
                  vision_tower:
                    models:
                    - model: base
                    - model: ft
                      parameters:
                        weight: 1.0
                    parameters:
                      density: 0.25
                parameters:
                  normalize: true
                  lambda: 2
                  mode: 'true'
                dtype: bfloat16
                out_dtype: float16
                tokenizer:
                  source: ft
                  tokens:
                    <|im_start|>:
                      source:
                        kind: model_token
                        model: ft
                        token_id: 7
                      force: true
                    <|im_end|>:
                      source: base
                    <pad>:
                      source:
                        kind: zero
                    <x>: {}
                  pad_to_multiple_of: 64
                random_seed: 3
                """;
        MergeRecipe read = RecipeReader.parse(yaml, FILE, true);
        assertEquals(yaml, RecipeYaml.write(read), "keys in mergekit's order, values as written");
        MergeRecipe again = RecipeReader.parse(RecipeYaml.write(read), FILE, true);
        assertEquals(read.withOrigin(again.origin()), again);
        assertEquals(new TokenizerSettings.ModelToken("ft", OptionalInt.of(7), Optional.empty()),
                again.tokenizer().orElseThrow().tokens().get("<|im_start|>").source().orElseThrow());
    }

    @Test
    void aVocabularySourceAloneIsWrittenAsTokenizerSource() {
        MergeRecipe read = RecipeReader.parse("merge_method: linear\nmodels:\n- model: a\ntokenizer_source: union\n",
                FILE, true);
        assertEquals("merge_method: linear\nmodels:\n- model: a\ntokenizer_source: union\n", RecipeYaml.write(read));
    }

    @Test
    void modelPathsAreRelativeToTheRecipeFolder() {
        MergeRecipe recipe = MergeRecipe.ofModels("linear", Optional.of("/models/base"), List.of(
                RecipeSource.everyLayer("/models/base", Map.of()),
                RecipeSource.everyLayer("/runs/r1/population/x", Map.of())), Map.of());
        MergeRecipe relative = recipe.relativeTo(Path.of("/runs/r1/best"));
        assertEquals(List.of("../../../models/base", "../population/x"), relative.modelReferences());
        assertEquals(Path.of("/runs/r1/best/recipe.yml"), relative.file());
        assertEquals(List.of("."), MergeRecipe.ofModels("linear", Optional.empty(),
                List.of(RecipeSource.everyLayer("/runs/r1/best", Map.of())), Map.of())
                .relativeTo(Path.of("/runs/r1/best")).modelReferences());
    }
}
