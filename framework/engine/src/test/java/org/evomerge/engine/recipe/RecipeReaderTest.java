package org.evomerge.engine.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;

/** mergekit recipe reading and the parameter resolution rules of ALGORITHMS.md B.1, with hand-worked values. */
class RecipeReaderTest {

    private static final Path FILE = Path.of("recipe.yml");

    private static MergeRecipe parse(String yaml) {
        return RecipeReader.parse(yaml, FILE);
    }

    private static void assertRefused(String yaml, String mentions) {
        assertRefused(yaml, mentions, false);
    }

    private static void assertRefused(String yaml, String mentions, boolean strict) {
        EvomergeException e = assertThrows(EvomergeException.class, () -> RecipeReader.parse(yaml, FILE, strict));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().startsWith("recipe.yml:"), e.getMessage());
        assertTrue(e.getMessage().contains(mentions), e.getMessage() + " should mention " + mentions);
    }

    @Test
    void readsTheModelsFormAsOneSliceOverEveryLayer() {
        MergeRecipe r = parse("""
                merge_method: ties
                base_model: ../base
                models:
                  - model: ../ft1
                    parameters: {weight: 0.6, density: 0.5}
                  - model: ../ft2
                    parameters: {weight: 0.4}
                parameters: {normalize: true}
                dtype: bfloat16
                """);
        assertEquals("ties", r.mergeMethod());
        assertEquals(Optional.of("../base"), r.baseModel());
        assertTrue(r.modelsForm());
        assertEquals(1, r.slices().size());
        assertEquals(List.of("../base", "../ft1", "../ft2"), r.modelReferences());
        assertEquals(Optional.of(0.6), r.slices().getFirst().sources().getFirst().parameters().get("weight")
                .resolve("x", 0));
        assertEquals(Optional.of("bfloat16"), r.dtype());
    }

    @Test
    void gradientsInterpolateOverTheSlice() {
        ParameterValue gradient = new ParameterValue.Gradient(List.of(0, 0.5, 1));
        // t = 0.25 -> s = 0.5 -> halfway between v[0] = 0 and v[1] = 0.5 -> 0.25
        assertEquals(0.25, (double) gradient.resolve("any", 0.25).orElseThrow(), 1e-12);
        assertEquals(1.0, (double) gradient.resolve("any", 1.0).orElseThrow(), 1e-12);
        // five values [0, 0.5, 0.3, 0.7, 1] at layer 1 of 4 (t = 1/3): s = 4/3 -> 0.5 + (1/3)(0.3 − 0.5) = 0.4333...
        ParameterValue five = new ParameterValue.Gradient(List.of(0, 0.5, 0.3, 0.7, 1));
        assertEquals(0.5 - 0.2 / 3, (double) five.resolve("x", ParameterResolver.position(1, 4)).orElseThrow(), 1e-12);
        // non-numbers step: v[floor(t (n-1))]
        assertEquals("b", new ParameterValue.Gradient(List.of("a", "b", "c")).resolve("x", 0.9).orElseThrow());
        assertEquals(1.0, ParameterResolver.position(0, 1));
        assertEquals(0.0, ParameterResolver.position(0, 4));
    }

    @Test
    void filtersMatchBySubstringFirstMatchWinsAndFallThrough() {
        MergeRecipe r = parse("""
                merge_method: slerp
                base_model: a
                slices:
                  - sources:
                      - {model: a, layer_range: [0, 4]}
                      - {model: b, layer_range: [0, 4]}
                    parameters:
                      t:
                        - {filter: self_attn, value: 0.9}
                parameters:
                  t:
                    - {filter: self_attn, value: [0, 0.5, 0.3, 0.7, 1]}
                    - {filter: mlp, value: [1, 0.5, 0.7, 0.3, 0]}
                    - {value: 0.5}
                """);
        RecipeSlice slice = r.slices().getFirst();
        List<Map<String, ParameterValue>> levels = List.of(Map.of(), slice.parameters(), r.parameters());
        // The slice level matches self_attn first.
        assertEquals(0.9, ParameterResolver.resolve("t", "model.layers.0.self_attn.q_proj.weight", 0, levels).orElseThrow());
        // mlp falls through the slice level to the global gradient; layer 3 of 4 -> t = 1 -> last value 0.
        assertEquals(0.0, (double) ParameterResolver.resolve("t", "model.layers.3.mlp.up_proj.weight", 1, levels)
                .orElseThrow(), 1e-12);
        // Embeddings match no filter: the catch-all 0.5.
        assertEquals(0.5, ParameterResolver.resolve("t", "model.embed_tokens.weight", 0, levels).orElseThrow());
        assertTrue(ParameterResolver.resolve("weight", "x", 0, levels).isEmpty());
    }

    @Test
    void sourceParametersTakePrecedenceOverSliceAndGlobal() {
        List<Map<String, ParameterValue>> levels = List.of(
                Map.of("weight", new ParameterValue.Conditionals(List.of(new ParameterValue.Conditional(
                        Optional.of("mlp"), new ParameterValue.Scalar(2.0))))),
                Map.of("weight", new ParameterValue.Scalar(3.0)),
                Map.of("weight", new ParameterValue.Scalar(4.0)));
        assertEquals(2.0, ParameterResolver.resolve("weight", "layers.0.mlp.x", 0, levels).orElseThrow());
        assertEquals(3.0, ParameterResolver.resolve("weight", "layers.0.attn.x", 0, levels).orElseThrow());
    }

    @Test
    void refusesBadRecipesNamingTheKey() {
        assertRefused("merge_method: linear\nmodls: []\n", "unknown key 'modls'", true);
        assertRefused("merge_method: linear\nmodls: []\n", "exactly one of 'models', 'slices' and 'modules'");
        assertRefused("models:\n  - model: a\n", "'merge_method' is missing");
        assertRefused("merge_method: linear\n", "exactly one of 'models', 'slices' and 'modules'");
        assertRefused("merge_method: linear\nmodels: [{model: a}]\nslices: []\n", "exactly one");
        assertRefused("merge_method: linear\nmodels: [{model: a, weight: 1}]\n", "unknown key 'weight' in models[0]",
                true);
        assertRefused("merge_method: passthrough\nslices:\n  - sources:\n      - {model: a, layer_range: [0, 2]}\n"
                + "      - {model: b, layer_range: [0, 3]}\n", "same number");
        assertRefused("merge_method: passthrough\nslices:\n  - sources:\n      - {model: a, layer_range: [3, 1]}\n",
                "layer_range");
        assertRefused("merge_method: linear\nmodels: [{model: a}]\ndtype: float8\n", "'dtype' must be");
        assertRefused("merge_method: linear\nmodels: [{model: a}]\nmodules: {text_decoder: {models: [{model: a}]}}\n",
                "exactly one of 'models', 'slices' and 'modules'");
        assertRefused("merge_method: linear\nmodules: {text_decoder: {models: [{model: a}], weight: 1}}\n",
                "unknown key 'weight' in modules.text_decoder", true);
        assertRefused("merge_method: linear\nmodules: {text_decoder: {parameters: {weight: 1}}}\n",
                "exactly one of 'modules.text_decoder.models' and 'modules.text_decoder.slices'");
        assertRefused("merge_method: linear\nmodules: {vision_tower: {slices: [{sources: [{model: a}]}]}}\n",
                "'modules.vision_tower.slices[0].sources[0].layer_range' must be a list");
        assertRefused("merge_method: linear\nmodules: {}\n", "'modules' is empty");
        assertRefused("merge_method: linear\nmodules: [text_decoder]\n", "'modules' must be a mapping");
        assertRefused("merge_method: linear\nmodels: [{model: a}]\ntokenizer: {source: base, colour: red}\n",
                "unknown key 'colour' in tokenizer", true);
        assertRefused("merge_method: linear\nmodels: [{model: a}]\ntokenizer_source: 'b+lora'\n", "LoRA");
        assertRefused("merge_method: linear\nmodels: [{model: 'org/model+lora'}]\n", "LoRA");
        assertRefused("merge_method: linear\nmodels: [{model: a}]\nparameters: {weight: {x: 1}}\n", "weight");
        assertRefused("merge_method: [unclosed\n", "recipe.yml:2:1: not valid YAML: expected ',' or ']'");
        assertRefused("merge_method: linear\nmerge_method: ties\nmodels: [{model: a}]\n",
                "recipe.yml:2:1: not valid YAML: found duplicate key merge_method");
    }

    @Test
    void readsTheModulesFormWithEachModulesOwnFormAndParameters() {
        MergeRecipe r = parse("""
                merge_method: slerp
                base_model: vlm-a
                parameters: {t: 0.5}
                modules:
                  text_decoder:
                    slices:
                      - sources:
                          - {model: vlm-a, layer_range: [0, 40]}
                          - {model: vlm-b, layer_range: [0, 40]}
                    parameters: {t: [0, 1]}
                  vision_tower:
                    models: [{model: vlm-a}, {model: vlm-c}]
                """);
        assertTrue(r.hasModules());
        assertTrue(r.slices().isEmpty());
        assertEquals(List.of("text_decoder", "vision_tower"), List.copyOf(r.modules().keySet()));
        RecipeModule text = r.modules().get("text_decoder");
        assertEquals(false, text.modelsForm());
        assertEquals(40, text.slices().getFirst().sources().get(1).layerRange().orElseThrow().end());
        assertEquals(Optional.of(0.5), text.parameters().get("t").resolve("x", 0.5));
        RecipeModule vision = r.modules().get("vision_tower");
        assertTrue(vision.modelsForm());
        assertEquals(1, vision.slices().size());
        assertEquals(List.of("vlm-a", "vlm-b", "vlm-c"), r.modelReferences());
        assertEquals(4, r.allSlices().stream().mapToInt(s -> s.sources().size()).sum());
    }

    /** The shape of recipes published with merged models: {@code normalize} and {@code int8_mask} at the top level. */
    private static final String PUBLISHED = """
            models:
              - model: ./Mistral-7B-v0.1
              - model: ./OpenHermes-2.5-Mistral-7B
                parameters:
                  density: 0.6
                  weight: 0.5
              - model: ./neural-chat-7b-v3-3
                parameters:
                  density: 0.6
                  weight: 0.5
            merge_method: dare_ties
            base_model: ./Mistral-7B-v0.1
            normalize: true
            int8_mask: true
            dtype: bfloat16
            """;

    @Test
    void keysMergekitIgnoresAtTheTopLevelAreIgnoredWithOneWarningEach() {
        MergeRecipe r = parse(PUBLISHED);
        assertEquals("dare_ties", r.mergeMethod());
        assertEquals(3, r.slices().getFirst().sources().size());
        assertTrue(r.parameters().isEmpty(), "a top-level normalize is not a method parameter, as in mergekit");
        assertEquals(List.of(
                "recipe.yml: unknown key 'normalize' at the top level ignored, as mergekit ignores it (--strict refuses it)",
                "recipe.yml: unknown key 'int8_mask' at the top level ignored, as mergekit ignores it (--strict refuses it)"),
                r.warnings());
        assertRefused(PUBLISHED, "unknown key 'normalize' in top level", true);
        assertTrue(RecipeReader.parse("merge_method: linear\nmodels: [{model: a}]\n", FILE, true).warnings().isEmpty());
    }

    @Test
    void unknownKeysInsideEntriesAreIgnoredAsMergekitIgnoresThem() {
        // mergekit's pydantic models (InputModelDefinition, InputSliceDefinition, OutputSliceDefinition,
        // OutputModuleDefinition, ConditionalParameter, TokenizerConfig, ...) all drop extra keys.
        MergeRecipe r = parse("""
                merge_method: slerp
                base_model: a
                slices:
                  - sources:
                      - {model: a, layer_range: [0, 4], note: first}
                      - {model: b, layer_range: [0, 4]}
                    comment: top half
                    residual_weight: 0.5
                parameters:
                  t:
                    - {filter: mlp, value: 0.3, why: tuned}
                    - {value: 0.5}
                tokenizer:
                  source: base
                  colour: red
                  tokens:
                    <pad>: {source: {kind: zero, model: a}, force: true, extra: 1}
                """);
        assertEquals(List.of("unknown key 'colour' in tokenizer", "unknown key 'extra' in tokenizer.tokens.<pad>",
                "unknown key 'model' in tokenizer.tokens.<pad>.source", "unknown key 'comment' in slices[0]",
                "'slices[0].residual_weight' ignored (mergekit reads it but never uses it)",
                "unknown key 'note' in slices[0].sources[0]", "unknown key 'why' in parameters.t[0]"),
                r.warnings().stream().map(w -> w.replaceFirst("^recipe\\.yml: ", "")
                        .replaceFirst(" ignored, as mergekit ignores it \\(--strict refuses it\\)$", "")).toList(),
                r.warnings().toString());
        assertEquals(0.3, ParameterResolver.resolve("t", "model.layers.0.mlp.up_proj.weight", 0,
                List.of(r.parameters())).orElseThrow());
        assertRefused("merge_method: linear\nslices:\n  - sources: [{model: a, layer_range: [0, 2]}]\n"
                + "    residual_weight: 0.5\n", "residual_weight", true);
        // mergekit reads a slice's base_model and merges against it; ignoring it would change the result.
        assertRefused("merge_method: ties\nslices:\n  - sources: [{model: a, layer_range: [0, 2]}]\n"
                + "    base_model: b\n", "'slices[0].base_model': per-slice base models are not supported");
    }

    @Test
    void chatTemplateIsNotAppliedAndSaysSo() {
        MergeRecipe r = parse("merge_method: linear\nmodels: [{model: a}]\nchat_template: chatml\n");
        assertEquals(1, r.warnings().size(), r.warnings().toString());
        assertTrue(r.warnings().getFirst().contains("'chat_template' is not applied"), r.warnings().toString());
        assertRefused("merge_method: linear\nmodels: [{model: a}]\nchat_template: chatml\n", "chat_template", true);
    }

    @Test
    void randomSeedIsAWholeNumberAtTheTopLevel() {
        assertTrue(parse("merge_method: linear\nmodels: [{model: a}]\n").randomSeed().isEmpty());
        for (String given : List.of("42", "42.0", "'42'", "+42")) {
            MergeRecipe r = parse("merge_method: dare_ties\nmodels: [{model: a}]\nrandom_seed: " + given + "\n");
            assertEquals(java.util.OptionalLong.of(42), r.randomSeed(), given);
            assertTrue(r.warnings().isEmpty(), "random_seed is a key evomerge knows");
        }
        assertEquals(-5, parse("merge_method: linear\nmodels: [{model: a}]\nrandom_seed: -5\n").randomSeed()
                .orElseThrow());
        for (String bad : List.of("1.5", "abc", "[1]", "true")) {
            if (bad.equals("true")) {
                // pydantic's int takes a boolean as 1; so does the seed.
                assertEquals(1, parse("merge_method: linear\nmodels: [{model: a}]\nrandom_seed: true\n").randomSeed()
                        .orElseThrow());
                continue;
            }
            assertRefused("merge_method: linear\nmodels: [{model: a}]\nrandom_seed: " + bad + "\n",
                    "'random_seed' must be a whole number");
        }
    }

    @Test
    void structuralValuesAreReadAsPydanticReadsThem() {
        MergeRecipe r = parse("""
                merge_method: passthrough
                slices:
                  - sources: [{model: a, layer_range: [0, 4.0]}]
                  - sources: [{model: b, layer_range: ['2', 3]}]
                tokenizer:
                  source: base
                  pad_to_multiple_of: 64.0
                  tokens:
                    <pad>: {source: {kind: model_token, model: a, token_id: '5'}, force: 1}
                """);
        assertEquals(4, r.slices().get(0).sources().getFirst().layerRange().orElseThrow().end());
        assertEquals(2, r.slices().get(1).sources().getFirst().layerRange().orElseThrow().start());
        TokenizerSettings tokenizer = r.tokenizer().orElseThrow();
        assertEquals(64, tokenizer.padToMultipleOf().orElseThrow());
        assertTrue(tokenizer.tokens().get("<pad>").force());
        assertEquals(5, ((TokenizerSettings.ModelToken) tokenizer.tokens().get("<pad>").source().orElseThrow())
                .tokenId().orElseThrow());
        // mergekit pads only when pad_to_multiple_of is true-ish: 0 pads nothing.
        assertTrue(parse("merge_method: linear\nmodels: [{model: a}]\ntokenizer: {pad_to_multiple_of: 0}\n")
                .tokenizer().orElseThrow().padToMultipleOf().isEmpty());
        assertRefused("merge_method: passthrough\nslices:\n  - sources: [{model: a, layer_range: [0, 2.5]}]\n",
                "layer_range");
        assertRefused("merge_method: linear\nmodels: [{model: a}]\ntokenizer: {tokens: {x: {force: 2}}}\n",
                "'tokenizer.tokens.x.force' must be true or false");
        assertRefused("merge_method: linear\nmodels: [{model: a}]\ntokenizer: {pad_to_multiple_of: 1.5}\n",
                "'tokenizer.pad_to_multiple_of' must be a whole number");
        // pydantic's str takes no numbers: an unquoted number is not a path or a method name.
        assertRefused("merge_method: 5\nmodels: [{model: a}]\n", "'merge_method' must be text, got 5 (quote it)");
        assertRefused("merge_method: linear\nmodels: [{model: 2024}]\n", "'models[0].model' must be text");
        assertEquals("2024", parse("merge_method: linear\nmodels: [{model: '2024'}]\n").modelReferences().getFirst());
    }
}
