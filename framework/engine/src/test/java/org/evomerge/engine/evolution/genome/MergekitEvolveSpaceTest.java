package org.evomerge.engine.evolution.genome;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.recipe.LayerRange;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.ParameterValue;
import org.evomerge.engine.recipe.RecipeReader;
import org.evomerge.engine.recipe.RecipeSource;
import org.junit.jupiter.api.Test;

/**
 * mergekit-evolve's genome against values worked by hand from {@code mergekit/evo/genome.py}: its size and
 * flattening order G[group, model, set, parameter], x0, and the decoding (|x|, clamp, weights above 1 kept, the base
 * model appended, filters as conditionals, smooth gradients, SLERP's top two with softmax).
 */
class MergekitEvolveSpaceTest {

    private static final ExtensionDescriptor TIES = method("ties", true);
    private static final ExtensionDescriptor SLERP = new ExtensionDescriptor("slerp", "1.0.0",
            ExtensionKind.MERGE_METHOD, "", ParameterSchema.of(
                    ParameterSpec.number("t", 0.5, null, null, "").withScope(ParameterScope.PER_TENSOR)),
            Set.of(Capability.REQUIRES_BASE_MODEL, Capability.EXACTLY_TWO_MODELS));

    private static ExtensionDescriptor method(String id, boolean density) {
        List<ParameterSpec> specs = new ArrayList<>(List.of(
                ParameterSpec.number("weight", 1.0, null, null, "").withScope(ParameterScope.PER_MODEL),
                ParameterSpec.bool("normalize", true, ""), ParameterSpec.bool("int8_mask", false, "")));
        if (density) {
            specs.add(ParameterSpec.number("density", 1.0, 0.0, 1.0, "").withScope(ParameterScope.PER_MODEL));
        }
        return new ExtensionDescriptor(id, "1.0.0", ExtensionKind.MERGE_METHOD, "", new ParameterSchema(specs),
                Set.of(Capability.REQUIRES_BASE_MODEL));
    }

    private static MergekitEvolveSpace ties(List<String> models, int layers, int granularity, List<String> filters,
                                            boolean smooth) {
        return new MergekitEvolveSpace(TIES, models, Optional.of("/m/base"), Optional.empty(), layers, granularity,
                Optional.empty(), false, filters, smooth, false, "/c/evol.yml");
    }

    private static Object value(MergeRecipe recipe, int slice, String model, String parameter, String tensor) {
        RecipeSource source = recipe.slices().get(slice).sources().stream().filter(s -> s.model().equals(model))
                .findFirst().orElseThrow();
        return source.parameters().get(parameter).resolve(tensor, 0).orElseThrow();
    }

    @Test
    void fourGroupsOfThreeModelsWithTwoParametersAre24DimensionsStartingAtAThirdAndOne() {
        // ALGORITHMS.md B.15's example: 4 groups x 3 models x 2 params = 24 (pycma's lambda is then 13).
        MergekitEvolveSpace space = ties(List.of("/m/a", "/m/b", "/m/c"), 32, 8, List.of(), false);
        assertEquals(24, space.space().size());
        double third = 1.0 / 3;
        double[] expected = new double[24];
        for (int i = 0; i < 24; i += 2) {
            expected[i] = third;
            expected[i + 1] = 1;
        }
        assertArrayEquals(expected, space.start(new SeededRandomSource(1)).values());
        assertEquals("layers[8-15].b.*.density", space.space().dimensions().get(9).name());
        // layer_granularity 0: one group; filters add a parameter set each
        assertEquals(1 * 3 * 3 * 2, ties(List.of("/m/a", "/m/b", "/m/c"), 32, 0, List.of("self_attn", "mlp"), false)
                .space().size());
    }

    @Test
    void randomInitIsUniformInTheUnitInterval() {
        double[] x = new MergekitEvolveSpace(TIES, List.of("/m/a", "/m/b"), Optional.of("/m/base"), Optional.empty(),
                4, 2, Optional.empty(), false, List.of(), false, true, "/c/evol.yml")
                .start(new SeededRandomSource(3)).values();
        assertEquals(8, x.length);
        for (double v : x) {
            assertTrue(v >= 0 && v < 1, "U[0,1): " + v);
        }
        assertFalse(x[0] == 0.5 && x[1] == 1);
    }

    @Test
    void discreteSlicesDecodeWithAbsClampAndTheBaseModelAppended() {
        MergekitEvolveSpace space = ties(List.of("/m/a", "/m/b", "/m/c"), 8, 2, List.of(), false);
        double[] x = new double[24];
        Arrays.fill(x, 0.5);
        x[0] = 1.25; // group 0, model a, weight: |x| and not clamped (pycma has no bounds)
        x[1] = 0.3;
        x[8] = -0.4; // group 1, model b: ((1*3+1)*1+0)*2+0
        x[9] = -1.7; // its density: clamp(|x|, 0, 1)
        MergeRecipe recipe = space.recipe(new ParameterGenome(x));
        assertEquals(4, recipe.slices().size());
        assertEquals(1.25, value(recipe, 0, "/m/a", "weight", "x"));
        assertEquals(0.3, value(recipe, 0, "/m/a", "density", "x"));
        assertEquals(0.4, value(recipe, 1, "/m/b", "weight", "x"));
        assertEquals(1.0, value(recipe, 1, "/m/b", "density", "x"));
        List<RecipeSource> sources = recipe.slices().get(1).sources();
        assertEquals(List.of("/m/a", "/m/b", "/m/c", "/m/base"), sources.stream().map(RecipeSource::model).toList());
        assertEquals(Optional.of(new LayerRange(2, 4)), sources.get(3).layerRange());
        assertTrue(sources.get(3).parameters().isEmpty());
        assertEquals(Map.of("normalize", new ParameterValue.Scalar(true), "int8_mask", new ParameterValue.Scalar(true)),
                recipe.parameters());
        assertEquals(Optional.of("bfloat16"), recipe.dtype());
        assertEquals(Optional.of("/m/base"), recipe.baseModel());
    }

    @Test
    void negativeWeightsAreKeptWhenAllowedAndNormalizeFollowsTheMethod() {
        MergekitEvolveSpace space = new MergekitEvolveSpace(method("task_arithmetic", false), List.of("/m/a", "/m/b"),
                Optional.of("/m/base"), Optional.empty(), 4, 0, Optional.empty(), true, List.of(), false, false,
                "/c/evol.yml");
        MergeRecipe recipe = space.recipe(new ParameterGenome(new double[] {-0.7, 2.0}));
        assertEquals(-0.7, value(recipe, 0, "/m/a", "weight", "x"));
        assertEquals(2.0, value(recipe, 0, "/m/b", "weight", "x"));
        // mergekit-evolve's default normalize is true for ties, dare_ties and linear only
        assertEquals(new ParameterValue.Scalar(false), recipe.parameters().get("normalize"));
    }

    @Test
    void filtersBecomeConditionalsWithTheCatchAllLast() {
        MergekitEvolveSpace space = ties(List.of("/m/a", "/m/b"), 4, 0, List.of("self_attn", "mlp"), false);
        assertEquals(12, space.space().size());
        double[] x = new double[12];
        for (int i = 0; i < 12; i++) {
            x[i] = i / 100.0;
        }
        MergeRecipe recipe = space.recipe(new ParameterGenome(x));
        // model b (m = 1): sets self_attn, mlp, * at ((0*2+1)*3+s)*2+p
        assertEquals(0.06, value(recipe, 0, "/m/b", "weight", "model.layers.0.self_attn.q_proj.weight"));
        assertEquals(0.07, value(recipe, 0, "/m/b", "density", "model.layers.0.self_attn.q_proj.weight"));
        assertEquals(0.08, value(recipe, 0, "/m/b", "weight", "model.layers.0.mlp.up_proj.weight"));
        assertEquals(0.10, value(recipe, 0, "/m/b", "weight", "model.norm.weight"));
    }

    @Test
    void smoothGivesEachParameterAGradientOverTheGroups() {
        MergekitEvolveSpace space = ties(List.of("/m/a", "/m/b"), 4, 2, List.of(), true);
        double[] x = {0.1, 0.2, 0.3, 0.4, -0.5, 0.6, 0.7, 1.8};
        MergeRecipe recipe = space.recipe(new ParameterGenome(x));
        assertTrue(recipe.modelsForm());
        RecipeSource a = recipe.slices().getFirst().sources().getFirst();
        assertEquals("/m/a", a.model());
        assertEquals(new ParameterValue.Gradient(List.of(0.1, 0.5)), a.parameters().get("weight"));
        RecipeSource b = recipe.slices().getFirst().sources().get(1);
        assertEquals(new ParameterValue.Gradient(List.of(0.4, 1.0)), b.parameters().get("density"));
        assertEquals("/m/base", recipe.slices().getFirst().sources().get(2).model());
    }

    @Test
    void slerpTakesTheTopTwoWithSoftmaxAndWritesThemFromTheFirstModel() {
        MergekitEvolveSpace space = new MergekitEvolveSpace(SLERP, List.of("/m/a", "/m/b"), Optional.empty(),
                Optional.empty(), 4, 2, Optional.empty(), false, List.of(), false, false, "/c/evol.yml");
        assertEquals(4, space.space().size());
        // group 0: b (0.7) over a (0.2): base b, t = softmax(0.7, 0.2)[1] = 1/(1+e^0.5); from a: 1 - t
        // group 1: a (0.9) over b (-0.4, raw: slerp takes no |x|): t = 1/(1+e^1.3)
        MergeRecipe recipe = space.recipe(new ParameterGenome(new double[] {0.2, 0.7, 0.9, -0.4}));
        assertEquals(Optional.of("/m/a"), recipe.baseModel());
        assertEquals(new ParameterValue.Scalar(0.6224593312018546), recipe.slices().get(0).parameters().get("t"));
        assertEquals(new ParameterValue.Scalar(0.2141650169574414), recipe.slices().get(1).parameters().get("t"));
        assertEquals(Optional.of(new LayerRange(2, 4)), recipe.slices().get(1).sources().get(1).layerRange());
    }

    @Test
    void theWrittenRecipeIsOneEvomergeMergeReads() {
        MergekitEvolveSpace space = ties(List.of("/m/a", "/m/b"), 4, 2, List.of("mlp"), false);
        double[] x = new double[space.space().size()];
        Arrays.fill(x, 0.25);
        String yaml = space.recipeFile(new ParameterGenome(x), Path.of("/m"), 42);
        MergeRecipe read = RecipeReader.parse(yaml, Path.of("/m/best_config.yaml"));
        assertEquals("ties", read.mergeMethod());
        assertEquals(2, read.slices().size());
        assertEquals(Optional.of("bfloat16"), read.dtype());
        assertTrue(yaml.contains("random_seed: 42"), yaml);
    }

    @Test
    void layerCountsThatGranularityDoesNotDivideAndSlerpOverThreeModelsAreRefused() {
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> ties(List.of("/m/a", "/m/b"), 6, 4, List.of(), false));
        assertTrue(e.getMessage().contains("'genome.layer_granularity' = 4"), e.getMessage());
        EvomergeException slerp = assertThrows(EvomergeException.class, () -> new MergekitEvolveSpace(SLERP,
                List.of("/m/a", "/m/b", "/m/c"), Optional.empty(), Optional.empty(), 4, 0, Optional.empty(), false,
                List.of(), false, false, "/c/evol.yml"));
        assertTrue(slerp.getMessage().contains("exactly two models"), slerp.getMessage());
    }
}
