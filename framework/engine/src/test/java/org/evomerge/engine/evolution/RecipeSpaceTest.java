package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.genome.LayerPathGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.engine.evolution.genome.LayerPathSpace;
import org.evomerge.engine.evolution.genome.RecipeSpace;
import org.evomerge.engine.recipe.LayerRange;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.evomerge.engine.recipe.RecipeSource;
import org.junit.jupiter.api.Test;

/** Genome ↔ recipe mapping: the typed recipes a genome space builds, and the YAML they are written as. */
class RecipeSpaceTest {

    private static final Path FILE = Path.of("/runs/run.yml");

    /** TIES-like: weight and density per model, a base model, a global option. */
    private static final ExtensionDescriptor TIES = new ExtensionDescriptor("ties", "1.0.0", ExtensionKind.MERGE_METHOD,
            "", ParameterSchema.of(
                    ParameterSpec.number("weight", 1.0, null, null, "").withScope(ParameterScope.PER_MODEL),
                    ParameterSpec.number("density", 1.0, 0.0, 1.0, "").withScope(ParameterScope.PER_MODEL),
                    ParameterSpec.bool("normalize", true, "")),
            Set.of(Capability.REQUIRES_BASE_MODEL));

    private static final ExtensionDescriptor SLERP = new ExtensionDescriptor("slerp", "1.0.0",
            ExtensionKind.MERGE_METHOD, "", ParameterSchema.of(
                    ParameterSpec.number("t", 0.5, null, null, "").withScope(ParameterScope.PER_TENSOR)),
            Set.of(Capability.REQUIRES_BASE_MODEL, Capability.EXACTLY_TWO_MODELS));

    private static RecipeSpace ties(int groups, boolean smooth) {
        return new RecipeSpace(TIES, List.of("/m/base", "/m/a", "/m/b"), Optional.of("/m/base"), 8, groups,
                List.of("self_attn", "mlp"), List.of(), Map.of("weight", new double[] {0, 2}), "mergekit", smooth,
                false, Map.of("normalize", false), Optional.of("bfloat16"), FILE);
    }

    /** TIES over {@code layers} layers without filters. */
    private static RecipeSpace ties(int groups, boolean smooth, int layers) {
        return new RecipeSpace(TIES, List.of("/m/base", "/m/a", "/m/b"), Optional.of("/m/base"), layers, groups,
                List.of(), List.of(), Map.of("weight", new double[] {0, 2}), "mergekit", smooth, false,
                Map.of("normalize", false), Optional.of("bfloat16"), FILE);
    }

    /** The value a recipe gives model {@code model}'s parameter for {@code tensor} in slice {@code slice}. */
    private static Object resolve(MergeRecipe recipe, int slice, String model, String parameter, String tensor, double t) {
        RecipeSource source = recipe.slices().get(slice).sources().stream().filter(s -> s.model().equals(model))
                .findFirst().orElseThrow();
        return source.parameters().get(parameter).resolve(tensor, t).orElseThrow();
    }

    /** Genome values that exercise |x|, clamping, exponents and long decimals. */
    private static ParameterGenome spread(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i * 0.37 + 0.013) % 1.3 - 0.1 + (i % 5 == 0 ? 1e-7 : 0);
        }
        if (n > 3) {
            x[1] = 2.5e-5;
            x[3] = 3e20;
        }
        return new ParameterGenome(x);
    }

    private static LayerPathSpace pathSpace() {
        return new LayerPathSpace(List.of("/m/a", "/m/b"), new int[] {2, 3}, 2, new double[] {0.5, 1.5},
                LayerPathSpace.Scaling.SLOT, Optional.of("float32"));
    }

    private static LayerPathGenome path(LayerPathSpace space) {
        double[] y = new double[20];
        java.util.Arrays.fill(y, 0, 10, -1);
        y[1] = 0.5;
        y[3] = 0.2;
        y[5] = 0.9;
        y[11] = 1.0;
        y[13] = 2.0;
        y[15] = 0.75;
        return space.decode(new ParameterGenome(y));
    }

    /** The YAML of {@code best/recipe.yml} and of the recipe text, as evolution runs wrote it before typed recipes. */
    @Test
    void recipesAreWrittenAsTheYamlEarlierRunsWrote() {
        RecipeSpace smooth = ties(2, true, 4);
        assertEquals("""
                merge_method: ties
                base_model: ../../../m/base
                models:
                - model: ../../../m/base
                - model: ../../../m/a
                  parameters:
                    weight: [0.0869999, 0.09299999999999983]
                    density: [2.5e-05, 0.46300009999999997]
                - model: ../../../m/b
                  parameters:
                    weight: [0.653, 0.8329999999999996]
                    density: [1.0, 0.0]
                parameters:
                  normalize: false
                out_dtype: bfloat16
                random_seed: 1234567890123
                """, smooth.recipeFile(spread(smooth.space().size()), Path.of("/runs/r1/best"), 1234567890123L));
        RecipeSpace slerp = new RecipeSpace(SLERP, List.of("/m/base", "/m/a"), Optional.of("/m/base"), 4, 2,
                List.of("mlp"), List.of(), Map.of(), "center", false, false, Map.of(), Optional.empty(), FILE);
        assertEquals("""
                merge_method: slerp
                base_model: /m/base
                slices:
                - sources:
                  - model: /m/base
                    layer_range: [0, 2]
                  - model: /m/a
                    layer_range: [0, 2]
                  parameters:
                    t:
                    - filter: mlp
                      value: 0.0
                    - value: 2.5e-05
                - sources:
                  - model: /m/base
                    layer_range: [2, 4]
                  - model: /m/a
                    layer_range: [2, 4]
                  parameters:
                    t:
                    - filter: mlp
                      value: 0.653
                    - value: 1.0
                """, slerp.recipe(spread(slerp.space().size())).text());
        LayerPathSpace paths = pathSpace();
        assertEquals("""
                merge_method: passthrough
                slices:
                - sources:
                  - model: ../../a
                    layer_range: [1, 2]
                - sources:
                  - model: ../../b
                    layer_range: [1, 2]
                    parameters:
                      scale:
                      - filter: o_proj
                        value: 1.5
                      - filter: down_proj
                        value: 1.5
                      - value: 1.0
                - sources:
                  - model: ../../a
                    layer_range: [0, 1]
                    parameters:
                      scale:
                      - filter: o_proj
                        value: 0.75
                      - filter: down_proj
                        value: 0.75
                      - value: 1.0
                out_dtype: float32
                random_seed: 77
                """, paths.recipeFile(path(paths), Path.of("/m/run/best"), 77L));
    }

    /**
     * The typed recipe a genome space builds is the recipe its YAML reads back as, for every shape of genome: models
     * and slices forms, filters, gradients, per-model and per-tensor parameters, run-wide options, layer paths.
     */
    @Test
    void typedRecipesEqualTheirYamlReadBack() {
        Path folder = Path.of("/runs/r1/best");
        for (int groups : new int[] {1, 2, 4}) {
            for (boolean smooth : new boolean[] {false, true}) {
                for (List<String> filters : List.of(List.<String>of(), List.of("self_attn", "mlp"))) {
                    RecipeSpace space = new RecipeSpace(TIES, List.of("/m/base", "/m/a", "/m/b"),
                            Optional.of("/m/base"), 8, groups, filters, List.of(),
                            Map.of("weight", new double[] {-1, 2}), "mergekit", smooth, true,
                            Map.of("normalize", "false"), Optional.of("bfloat16"), FILE);
                    ParameterGenome genome = spread(space.space().size());
                    assertReadsBackEqual(space.recipe(genome), space.recipeFile(genome, folder, -5L), folder, -5L);
                }
            }
        }
        RecipeSpace slerp = new RecipeSpace(SLERP, List.of("/m/base", "/m/a"), Optional.of("/m/base"), 4, 2,
                List.of("mlp"), List.of(), Map.of(), "center", true, false, Map.of(), Optional.empty(), FILE);
        ParameterGenome genome = spread(slerp.space().size());
        assertReadsBackEqual(slerp.recipe(genome), slerp.recipeFile(genome, folder, 0L), folder, 0L);
        LayerPathSpace paths = pathSpace();
        assertReadsBackEqual(paths.recipe(path(paths)), paths.recipeFile(path(paths), folder, 9L), folder, 9L);
    }

    private static void assertReadsBackEqual(MergeRecipe typed, String file, Path folder, long seed) {
        MergeRecipe read = RecipeReader.parse(typed.text(), FILE, true);
        assertEquals(typed.withOrigin(read.origin()), read, typed.text());
        MergeRecipe readFile = RecipeReader.parse(file, folder.resolve("recipe.yml"), true);
        assertEquals(typed.relativeTo(folder).withRandomSeed(seed).withOrigin(readFile.origin()), readFile, file);
    }

    @Test
    void dimensionsAreGroupsTimesFilterSetsTimesModelsTimesParameters() {
        RecipeSpace space = ties(4, false);
        // 4 groups × (2 filters + catch-all) × 2 evolved models (the base has none) × (weight, density)
        assertEquals(4 * 3 * 2 * 2, space.space().size());
        assertEquals("layers[0-1].self_attn.a.weight", space.space().dimensions().get(0).name());
        assertEquals("layers[0-1].self_attn.a.density", space.space().dimensions().get(1).name());
        assertEquals("layers[0-1].self_attn.b.weight", space.space().dimensions().get(2).name());
        assertEquals("layers[0-1].*.a.weight", space.space().dimensions().get(8).name());
        assertEquals("layers[2-3].self_attn.a.weight", space.space().dimensions().get(12).name());
        assertEquals(2.0, space.space().dimensions().get(0).upper());
        assertEquals(1.0, space.space().dimensions().get(1).upper());
        // mergekit-evolve's start: weight 1/n, density 1
        double[] x0 = space.start(null).values();
        assertEquals(0.5, x0[0]);
        assertEquals(1.0, x0[1]);
    }

    @Test
    void discreteGenomesBecomeOneSlicePerGroupWithFilteredValues() {
        RecipeSpace space = ties(4, false);
        double[] x = new double[space.space().size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i + 1) / 100.0;
        }
        x[2] = -0.4; // a negative weight: |x| as mergekit-evolve decodes it
        x[3] = 1.7; // a density above 1: clamped
        MergeRecipe recipe = space.recipe(new ParameterGenome(x));
        assertEquals("ties", recipe.mergeMethod());
        assertEquals(Optional.of("/m/base"), recipe.baseModel());
        assertEquals(4, recipe.slices().size());
        assertEquals(Optional.of("bfloat16"), recipe.outDtype());
        assertEquals(false, recipe.parameters().get("normalize").resolve("x", 0).orElseThrow());
        assertEquals(Optional.of(new LayerRange(2, 4)), recipe.slices().get(1).sources().get(1).layerRange());
        String attn = "model.layers.0.self_attn.q_proj.weight";
        String mlp = "model.layers.0.mlp.up_proj.weight";
        String norm = "model.layers.0.input_layernorm.weight";
        assertEquals(0.01, resolve(recipe, 0, "/m/a", "weight", attn, 0));
        assertEquals(0.02, resolve(recipe, 0, "/m/a", "density", attn, 0));
        assertEquals(0.4, resolve(recipe, 0, "/m/b", "weight", attn, 0));
        assertEquals(1.0, resolve(recipe, 0, "/m/b", "density", attn, 0));
        assertEquals(0.05, resolve(recipe, 0, "/m/a", "weight", mlp, 0));
        assertEquals(0.09, resolve(recipe, 0, "/m/a", "weight", norm, 0));
        assertEquals(0.13, resolve(recipe, 1, "/m/a", "weight", attn, 0));
        assertTrue(recipe.slices().get(0).sources().getFirst().parameters().isEmpty(), "the base has no parameters");
    }

    @Test
    void smoothGenomesBecomeGradientsOverTheDepth() {
        RecipeSpace space = ties(2, true);
        double[] x = new double[space.space().size()];
        int perGroup = x.length / 2;
        x[0] = 0.2; // group 0, self_attn, a, weight
        x[perGroup] = 0.6; // group 1, self_attn, a, weight
        MergeRecipe recipe = space.recipe(new ParameterGenome(x));
        assertTrue(recipe.modelsForm());
        String attn = "model.layers.0.self_attn.q_proj.weight";
        assertEquals(0.2, ((Number) resolve(recipe, 0, "/m/a", "weight", attn, 0)).doubleValue(), 1e-15);
        assertEquals(0.4, ((Number) resolve(recipe, 0, "/m/a", "weight", attn, 0.5)).doubleValue(), 1e-15);
        assertEquals(0.6, ((Number) resolve(recipe, 0, "/m/a", "weight", attn, 1)).doubleValue(), 1e-15);
    }

    @Test
    void perTensorParametersAreEvolvedOncePerGroupAndFilter() {
        RecipeSpace space = new RecipeSpace(SLERP, List.of("/m/base", "/m/a"), Optional.of("/m/base"), 4, 2, List.of(),
                List.of(), Map.of(), "center", false, false, Map.of(), Optional.empty(), FILE);
        assertEquals(2, space.space().size());
        MergeRecipe recipe = space.recipe(new ParameterGenome(new double[] {0.25, 0.75}));
        assertEquals(0.25, recipe.slices().get(0).parameters().get("t").resolve("x", 0).orElseThrow());
        assertEquals(0.75, recipe.slices().get(1).parameters().get("t").resolve("x", 0).orElseThrow());
        assertEquals(0.5, space.start(null).get(0));
    }

    @Test
    void explicitStartingValuesGiveThatRecipeInEveryGroupFilterAndModel() {
        RecipeSpace space = new RecipeSpace(TIES, List.of("/m/base", "/m/a", "/m/b"), Optional.of("/m/base"), 8, 4,
                List.of("mlp"), List.of(), Map.of("weight", new double[] {0, 2}, "density", new double[] {0.2, 1}),
                "values", Map.of("weight", 1.0, "density", 0.5), false, false, Map.of(), Optional.empty(), FILE);
        ParameterGenome start = space.start(null);
        MergeRecipe recipe = space.recipe(start);
        for (int slice = 0; slice < 4; slice++) {
            for (String model : List.of("/m/a", "/m/b")) {
                for (String tensor : List.of("model.layers.0.mlp.up_proj.weight", "model.layers.0.self_attn.q_proj.weight")) {
                    assertEquals(1.0, resolve(recipe, slice, model, "weight", tensor, 0));
                    assertEquals(0.5, resolve(recipe, slice, model, "density", tensor, 0));
                }
            }
        }
        // a parameter not named starts at the middle of its bounds
        RecipeSpace weightOnly = new RecipeSpace(TIES, List.of("/m/base", "/m/a"), Optional.of("/m/base"), 8, 1,
                List.of(), List.of(), Map.of("density", new double[] {0.2, 1}), "values", Map.of("weight", 0.25),
                false, false, Map.of(), Optional.empty(), FILE);
        assertEquals(List.of(0.25, 0.6), List.of(weightOnly.start(null).get(0),
                Math.round(weightOnly.start(null).get(1) * 1e12) / 1e12));
    }

    @Test
    void startingValuesOutsideTheBoundsOrOfNoEvolvedParameterAreConfigurationErrors() {
        EvomergeException outside = assertThrows(EvomergeException.class, () -> new RecipeSpace(TIES,
                List.of("/m/base", "/m/a"), Optional.of("/m/base"), 8, 1, List.of(), List.of(), Map.of(), "values",
                Map.of("weight", 1.5), false, false, Map.of(), Optional.empty(), FILE));
        assertTrue(outside.getMessage().contains("genome.init.weight") && outside.getMessage().contains("[0.0, 1.0]"),
                outside.getMessage());
        EvomergeException unknown = assertThrows(EvomergeException.class, () -> new RecipeSpace(TIES,
                List.of("/m/base", "/m/a"), Optional.of("/m/base"), 8, 1, List.of(), List.of("weight"), Map.of(),
                "values", Map.of("density", 0.5), false, false, Map.of(), Optional.empty(), FILE));
        assertTrue(unknown.getMessage().contains("genome.init.density"), unknown.getMessage());
    }

    @Test
    void badSpacesAreConfigurationErrorsNamingTheKey() {
        EvomergeException groups = assertThrows(EvomergeException.class, () -> ties(3, false));
        assertTrue(groups.getMessage().contains("genome.layer_groups"), groups.getMessage());
        EvomergeException param = assertThrows(EvomergeException.class, () -> new RecipeSpace(TIES,
                List.of("/m/base", "/m/a"), Optional.of("/m/base"), 8, 1, List.of(), List.of("normalize"), Map.of(),
                "mergekit", false, false, Map.of(), Optional.empty(), FILE));
        assertTrue(param.getMessage().contains("genome.parameters"), param.getMessage());
        EvomergeException base = assertThrows(EvomergeException.class, () -> new RecipeSpace(TIES,
                List.of("/m/a", "/m/b"), Optional.empty(), 8, 1, List.of(), List.of(), Map.of(),
                "mergekit", false, false, Map.of(), Optional.empty(), FILE));
        assertTrue(base.getMessage().contains("base_model"), base.getMessage());
    }

    @Test
    void layerPathGenomesDecodeIntoPassthroughSlices() {
        LayerPathSpace space = new LayerPathSpace(List.of("/m/a", "/m/b"), new int[] {2, 3}, 2, new double[] {0.5, 1.5},
                LayerPathSpace.Scaling.SLOT, Optional.empty());
        assertEquals(2 * 5 * 2, space.space().size());
        // The start is model A's layers, once.
        assertEquals(List.of(new LayerPathGenome.Step(0, 0, 1.0), new LayerPathGenome.Step(0, 1, 1.0)),
                space.decode(space.start()).steps());
        double[] x = new double[20];
        java.util.Arrays.fill(x, 0, 10, -1);
        x[3] = 0.2; // slot 3 = model B layer 1
        x[5] = 0.9; // slot 5 = model A layer 0, second repeat
        x[10 + 3] = 2.0; // its scale, clamped to 1.5
        x[10 + 5] = 0.75;
        LayerPathGenome path = space.decode(new ParameterGenome(x));
        assertEquals(List.of(new LayerPathGenome.Step(1, 1, 1.5), new LayerPathGenome.Step(0, 0, 0.75)), path.steps());
        MergeRecipe recipe = space.recipe(path);
        assertEquals("passthrough", recipe.mergeMethod());
        assertEquals(2, recipe.slices().size());
        RecipeSource first = recipe.slices().get(0).sources().getFirst();
        assertEquals("/m/b", first.model());
        assertEquals(1, first.layerRange().orElseThrow().start());
        assertEquals(1.5, first.parameters().get("scale").resolve("model.layers.1.self_attn.o_proj.weight", 0)
                .orElseThrow());
        assertEquals(1.0, first.parameters().get("scale").resolve("model.layers.1.self_attn.q_proj.weight", 0)
                .orElseThrow());
        // No slot on: the highest one is kept rather than an empty model.
        double[] none = new double[20];
        java.util.Arrays.fill(none, -0.5);
        none[7] = -0.1;
        assertEquals(1, space.decode(new ParameterGenome(none)).steps().size());
    }
}
