package org.evomerge.plugins.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.merge.MergeExecutor;
import org.evomerge.engine.merge.MergePlan;
import org.evomerge.engine.merge.MergePlanner;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code trim_scope: model} through the engine's pre-pass and executor, against an independent reference: every
 * |δ| of a model in one boxed list, sorted, the threshold read off at k − 1, the surviving deltas re-applied to the
 * base, and the result combined by {@link GtaReference} in double precision. Values are multiples of 1/1024 so every
 * δ is exact in float32 and equal magnitudes (ties at the threshold) are frequent.
 */
class ModelWideTrimTest {

    @TempDir
    Path temp;

    private static final Map<String, Shape> SHAPES = shapes();

    private static Map<String, Shape> shapes() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", Shape.of(6, 5));
        shapes.put("model.layers.0.self_attn.q_proj.weight", Shape.of(4, 4));
        shapes.put("model.layers.0.mlp.down_proj.weight", Shape.of(7, 9));
        shapes.put("model.norm.weight", Shape.of(5));
        shapes.put("lm_head.weight", Shape.of(6, 5));
        return shapes;
    }

    private static Map<String, float[]> values(long seed, Map<String, float[]> base) {
        Random random = new Random(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        SHAPES.forEach((name, shape) -> {
            float[] v = new float[(int) shape.elementCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = base == null ? (random.nextInt(1025) - 512) / 1024f
                        : base.get(name)[i] + (random.nextInt(61) - 30) / 1024f;
            }
            values.put(name, v);
        });
        return values;
    }

    private static Model model(Map<String, float[]> values) {
        ModelConfig config = new ModelConfig(Map.of("model_type", "llama", "num_hidden_layers", 1),
                Map.of("architectures", List.of("LlamaForCausalLM"), "hidden_size", 5, "intermediate_size", 9,
                        "num_attention_heads", 1, "vocab_size", 6));
        List<InMemoryTensor> tensors = new ArrayList<>();
        values.forEach((name, v) -> tensors.add(InMemoryTensor.ofFloats(name, SHAPES.get(name), v)));
        return InMemoryModel.of(config, tensors);
    }

    private static final class CapturingWriter implements ModelWriter {
        final Map<String, float[]> written = new ConcurrentHashMap<>();

        public void write(TensorInfo info, MemorySegment data) {
            written.put(info.name(), data.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)));
        }

        public void commit() {
        }

        public void close() {
        }
    }

    private final Map<String, float[]> base = values(1, null);
    private final Map<String, float[]> ft1 = values(2, base);
    private final Map<String, float[]> ft2 = values(3, base);

    private Map<String, float[]> merge(MergeMethodFactory factory, String recipeText, int threads) {
        Map<String, Model> models = new LinkedHashMap<>();
        models.put("base", model(base));
        models.put("ft1", model(ft1));
        models.put("ft2", model(ft2));
        MergeRecipe recipe = RecipeReader.parse(recipeText, temp.resolve("recipe.yml"));
        MergePlan plan = MergePlanner.plan(recipe, factory.descriptor(), models,
                ArchitectureCatalog.load(List.of()).findOrGeneric(models.get("base").config()));
        RunContext context = new DefaultRunContext(new SeededRandomSource(5), new ReferenceBackend(),
                ProgressReporter.SILENT, ScratchDirectory.create(temp, false), threads, Map.of());
        Map<String, Object> global = new LinkedHashMap<>();
        recipe.parameters().forEach((k, v) -> {
            if (v instanceof org.evomerge.engine.recipe.ParameterValue.Scalar s && k.equals("trim_scope")) {
                global.put(k, s.value());
            }
        });
        MergeMethod method = factory.create(ParameterValidator.validate(factory.descriptor(), global,
                java.util.EnumSet.of(org.evomerge.api.parameter.ParameterScope.GLOBAL), true), context);
        CapturingWriter writer = new CapturingWriter();
        MergeExecutor.run(plan, factory.descriptor(), method, writer, context, 1 << 12);
        return writer.written;
    }

    /** Which elements of each tensor survive: keep |δ| ≥ t_keep and |δ| < t_top, thresholds over the whole model. */
    private static Map<String, float[]> trimmedModel(Map<String, float[]> base, Map<String, float[]> model,
                                                     Map<String, Double> keepFraction,
                                                     Map<String, Double> topFraction) {
        List<Double> magnitudes = new ArrayList<>();
        double keepCount = 0;
        double topCount = 0;
        for (String name : SHAPES.keySet()) {
            int n = base.get(name).length;
            for (int i = 0; i < n; i++) {
                magnitudes.add(Math.abs((double) model.get(name)[i] - base.get(name)[i]));
            }
            keepCount += keepFraction.get(name) * n;
            topCount += topFraction.get(name) * n;
        }
        magnitudes.sort((a, b) -> Double.compare(b, a));
        int k = (int) Math.floor(keepCount);
        int top = (int) Math.floor(topCount);
        double keepAt = k == 0 ? Double.POSITIVE_INFINITY : magnitudes.get(k - 1);
        double topAt = top == 0 ? Double.POSITIVE_INFINITY : magnitudes.get(top - 1);
        Map<String, float[]> trimmed = new LinkedHashMap<>();
        for (String name : SHAPES.keySet()) {
            float[] b = base.get(name);
            float[] x = model.get(name);
            float[] out = new float[b.length];
            for (int i = 0; i < b.length; i++) {
                double m = Math.abs((double) x[i] - b[i]);
                out[i] = m >= keepAt && m < topAt ? x[i] : b[i];
            }
            trimmed.put(name, out);
        }
        return trimmed;
    }

    private void assertMatchesReference(String id, Map<String, float[]> actual, Map<String, float[]> trimmed1,
                                        Map<String, float[]> trimmed2, double w1, double w2) {
        for (String name : SHAPES.keySet()) {
            double[] expected = GtaReference.merge(id, Map.of(), SHAPES.get(name), base.get(name),
                    List.of(trimmed1.get(name), trimmed2.get(name)),
                    List.of(Map.of("weight", w1), Map.of("weight", w2)), new SeededRandomSource(0));
            float[] got = actual.get(name);
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-6 * Math.max(1, Math.abs(expected[i])), name + "[" + i + "]");
            }
        }
    }

    private static Map<String, Double> constant(double value) {
        Map<String, Double> map = new LinkedHashMap<>();
        SHAPES.keySet().forEach(n -> map.put(n, value));
        return map;
    }

    @Test
    void tiesTrimsEachModelAtItsWholeModelThresholdWithPerTensorDensities() {
        String recipe = """
                merge_method: ties
                base_model: base
                models:
                  - {model: ft1, parameters: {weight: 0.75, density: 0.25}}
                  - {model: ft2, parameters: {weight: 0.5, density: [{filter: mlp, value: 0.5}, {value: 0.125}]}}
                parameters: {trim_scope: model}
                """;
        Map<String, float[]> one = merge(new TiesMergeFactory(), recipe, 1);
        Map<String, Double> ft2Density = constant(0.125);
        ft2Density.put("model.layers.0.mlp.down_proj.weight", 0.5);
        assertMatchesReference("ties", one, trimmedModel(base, ft1, constant(0.25), constant(0)),
                trimmedModel(base, ft2, ft2Density, constant(0)), 0.75, 0.5);
        Map<String, float[]> two = merge(new TiesMergeFactory(), recipe, 2);
        one.forEach((name, v) -> assertTrue(Arrays.equals(v, two.get(name)), name + " depends on the thread count"));
    }

    @Test
    void wholeModelTrimDiffersFromPerTensorTrim() {
        String perTensor = """
                merge_method: ties
                base_model: base
                models:
                  - {model: ft1, parameters: {weight: 1.0, density: 0.25}}
                """;
        Map<String, float[]> tensorScope = merge(new TiesMergeFactory(), perTensor, 1);
        Map<String, float[]> modelScope = merge(new TiesMergeFactory(),
                perTensor + "parameters: {trim_scope: model}\n", 1);
        long differing = SHAPES.keySet().stream().filter(n -> !Arrays.equals(tensorScope.get(n), modelScope.get(n)))
                .count();
        assertTrue(differing > 0, "the two scopes keep different elements on these inputs");
    }

    @Test
    void breadcrumbsRemovesWholeModelOutliersAndKeepsTheBandBelow() {
        String recipe = """
                merge_method: breadcrumbs
                base_model: base
                models:
                  - {model: ft1, parameters: {weight: 0.5, density: 0.5, gamma: 0.125}}
                  - {model: ft2, parameters: {weight: 0.25, density: 0.875, gamma: 0.25}}
                parameters: {trim_scope: model}
                """;
        Map<String, float[]> actual = merge(new BreadcrumbsMergeFactory(), recipe, 2);
        // ft1: keep fraction 0.5 + 0.125, outliers 0.125; ft2: keep min(1, 1.125) = 1, outliers min(0.25, 0.125)
        assertMatchesReference("breadcrumbs", actual, trimmedModel(base, ft1, constant(0.625), constant(0.125)),
                trimmedModel(base, ft2, constant(1.0), constant(0.125)), 0.5, 0.25);
    }

    @Test
    void aDensityTooSmallForAnyElementLeavesTheBaseAndDensityOneIsTaskArithmetic() {
        String recipe = """
                merge_method: ties
                base_model: base
                models:
                  - {model: ft1, parameters: {weight: 1.0, density: 0.001}}
                parameters: {trim_scope: model}
                """;
        // N = 144 elements: k = floor(0.144) = 0, so nothing of ft1 survives (no NaN, no error).
        Map<String, float[]> none = merge(new TiesMergeFactory(), recipe, 1);
        SHAPES.keySet().forEach(name -> assertTrue(Arrays.equals(base.get(name), none.get(name)), name));
        Map<String, float[]> all = merge(new TiesMergeFactory(), recipe.replace("0.001", "1.0"), 1);
        SHAPES.keySet().forEach(name -> assertTrue(Arrays.equals(ft1.get(name), all.get(name)), name));
    }

    @Test
    void withoutThePrePassAWholeModelTrimIsAConfigurationError() {
        GtaInputs inputs = GtaInputs.of(new TiesMergeFactory(), Map.of("trim_scope", "model"));
        MergeMethod method = inputs.method();
        assertEquals(1, method.modelWideQuantiles().size());
        EvomergeException e = assertThrows(EvomergeException.class, () -> inputs.input(Shape.of(2),
                new float[] {0, 0}, List.of(new float[] {1, 2}), List.of(Map.of("weight", 1.0, "density", 0.5)),
                TestRunContexts.seeded(1).random()).whole(method));
        assertTrue(e.getMessage().contains("needs a whole-model pre-pass"), e.getMessage());
        assertTrue(GtaInputs.of(new TiesMergeFactory()).method().modelWideQuantiles().isEmpty(),
                "per tensor (the default) asks for no pre-pass");
    }
}
