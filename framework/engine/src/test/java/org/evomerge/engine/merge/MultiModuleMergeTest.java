package org.evomerge.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.compute.VectorBackend;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.architecture.ArchitectureDescription;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mergekit's {@code modules:} recipes on hand-built Mistral-3-shaped models (a text decoder under
 * {@code language_model.}, a vision tower under {@code vision_tower.}, a projector), merged with an exact weighted sum
 * so every expected value is worked out from the inputs by hand.
 */
class MultiModuleMergeTest {

    @TempDir
    Path temp;

    /** Σ weight·x, times scale: no randomness, so results are exact. */
    private static final ExtensionDescriptor WEIGHTED_SUM = new ExtensionDescriptor("weighted_sum", "1.0.0",
            ExtensionKind.MERGE_METHOD, "test", ParameterSchema.of(
                    ParameterSpec.number("weight", 1.0, null, null, "").withScope(ParameterScope.PER_MODEL),
                    ParameterSpec.number("scale", 1.0, null, null, "").withScope(ParameterScope.PER_TENSOR)),
            Set.of());

    private static final MergeMethod WEIGHTED_SUM_METHOD = (ArrayMergeMethod) (input, models, base) -> {
        float[] out = new float[Math.toIntExact(input.elementCount())];
        double scale = input.parameters().number("scale");
        for (int m = 0; m < models.length; m++) {
            double w = input.models().get(m).parameters().number("weight");
            for (int i = 0; i < out.length; i++) {
                out[i] += (float) (scale * w * models[m][i]);
            }
        }
        return out;
    };

    /** The tensors of a Mistral-3-shaped model: 3 text layers, {@code visionLayers} vision layers, a projector. */
    private static Map<String, Shape> shapes(int visionLayers, boolean extra) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("language_model.model.embed_tokens.weight", Shape.of(8, 4));
        for (int layer = 0; layer < 3; layer++) {
            shapes.put("language_model.model.layers." + layer + ".self_attn.q_proj.weight", Shape.of(4, 4));
            shapes.put("language_model.model.layers." + layer + ".mlp.down_proj.weight", Shape.of(4, 4));
        }
        shapes.put("language_model.model.norm.weight", Shape.of(4));
        shapes.put("language_model.lm_head.weight", Shape.of(8, 4));
        shapes.put("vision_tower.patch_conv.weight", Shape.of(4, 4));
        for (int layer = 0; layer < visionLayers; layer++) {
            shapes.put("vision_tower.transformer.layers." + layer + ".attention.q_proj.weight", Shape.of(4, 4));
            shapes.put("vision_tower.transformer.layers." + layer + ".feed_forward.up_proj.weight", Shape.of(4, 4));
        }
        shapes.put("multi_modal_projector.linear_1.weight", Shape.of(4, 4));
        if (extra) {
            shapes.put("audio_tower.conv.weight", Shape.of(4));
        }
        return shapes;
    }

    /** Element i of tensor {@code name} in model {@code id}: distinct per model, tensor and element. */
    private static float value(int id, String name, int i) {
        return id * 1000 + Math.floorMod(name.hashCode(), 97) + i * 0.25f;
    }

    private static Model model(int id, int visionLayers, boolean extra) {
        Map<String, Shape> shapes = shapes(visionLayers, extra);
        Map<String, float[]> values = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> {
            float[] v = new float[(int) shape.elementCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = value(id, name, i);
            }
            values.put(name, v);
        });
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("model_type", "mistral3");
        raw.put("architectures", List.of("Mistral3ForConditionalGeneration"));
        raw.put("text_config", Map.of("num_hidden_layers", 3, "hidden_size", 4));
        raw.put("vision_config", Map.of("num_hidden_layers", visionLayers, "hidden_size", 4));
        ModelConfig config = ModelConfig.of(raw);
        return ArrayModels.of(config, shapes, values);
    }

    private static final class CapturingWriter implements ModelWriter {
        final Map<String, float[]> written = new ConcurrentHashMap<>();

        @Override
        public void write(TensorInfo info, MemorySegment data) {
            written.put(info.name(), data.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)));
        }

        @Override
        public void commit() {
        }

        @Override
        public void close() {
        }
    }

    private MergePlan plan(String recipeText, Map<String, Model> models) {
        MergeRecipe recipe = RecipeReader.parse(recipeText, temp.resolve("recipe.yml"));
        ArchitectureDescription architecture = ArchitectureCatalog.load(List.of())
                .findOrGeneric(models.values().iterator().next().config());
        return MergePlanner.plan(recipe, WEIGHTED_SUM, models, architecture);
    }

    private Map<String, float[]> run(MergePlan plan) {
        CapturingWriter writer = new CapturingWriter();
        MergeExecutor.run(plan, WEIGHTED_SUM, WEIGHTED_SUM_METHOD, writer,
                new DefaultRunContext(new SeededRandomSource(3), new VectorBackend(), ProgressReporter.SILENT,
                        ScratchDirectory.create(temp, false), 2, Map.of()), 1 << 12);
        return writer.written;
    }

    private static Map<String, Model> twoModels() {
        Map<String, Model> models = new LinkedHashMap<>();
        models.put("a", model(1, 2, false));
        models.put("b", model(2, 2, false));
        return models;
    }

    @Test
    void eachModuleIsMergedWithItsOwnInputsAndParameters() {
        MergePlan plan = plan("""
                merge_method: weighted_sum
                parameters: {weight: 0.1, scale: 1.0}
                modules:
                  text_decoder:
                    parameters: {weight: 0.5}
                    models:
                      - {model: a}
                      - {model: b, parameters: {weight: [0, 1]}}
                  vision_tower:
                    parameters: {scale: 2.0}
                    slices:
                      - sources: [{model: a, layer_range: [0, 2]}]
                        parameters: {weight: 0.75}
                      - sources: [{model: b, layer_range: [1, 2]}]
                """, twoModels());
        Map<String, float[]> out = run(plan);

        // Text layer 1 of 3: t = 0.5, so b's gradient weight is 0.5; a takes the module's 0.5.
        String q1 = "language_model.model.layers.1.self_attn.q_proj.weight";
        assertEquals(0.5 * value(1, q1, 3) + 0.5 * value(2, q1, 3), out.get(q1)[3], 1e-3);
        // Layer 0 (t = 0): b's weight is 0; the head (t = 0 outside layers) likewise.
        String head = "language_model.lm_head.weight";
        assertEquals(0.5 * value(1, head, 5), out.get(head)[5], 1e-3);
        // Vision: slice weight 0.75 beats the module's and the global one; module scale 2 beats global 1.
        String v0 = "vision_tower.transformer.layers.0.feed_forward.up_proj.weight";
        assertEquals(2.0 * 0.75 * value(1, v0, 2), out.get(v0)[2], 1e-3);
        // Output vision layer 2 is b's layer 1, with the global weight 0.1 (its slice sets none).
        String v2 = "vision_tower.transformer.layers.2.attention.q_proj.weight";
        String b1 = "vision_tower.transformer.layers.1.attention.q_proj.weight";
        assertEquals(2.0 * 0.1 * value(2, b1, 0), out.get(v2)[0], 1e-3);
        // The vision tower's pre-layer weight comes from the first slice.
        assertEquals(2.0 * 0.75 * value(1, "vision_tower.patch_conv.weight", 1),
                out.get("vision_tower.patch_conv.weight")[1], 1e-3);

        // 3 text layers of 2 tensors + embedding, norm, head; 3 vision layers of 2 + patch_conv; no projector: as in
        // mergekit, modules the recipe does not name are not written.
        assertEquals(3 * 2 + 3 + 3 * 2 + 1, out.size());
        assertFalse(out.containsKey("multi_modal_projector.linear_1.weight"));
        // The vision stack grew to 3 layers, recorded under its nested config key; the text stack kept its 3.
        assertEquals(3, ((Map<?, ?>) plan.config().get("vision_config")).get("num_hidden_layers"));
        assertEquals(4, ((Map<?, ?>) plan.config().get("vision_config")).get("hidden_size"));
        assertEquals(3, ((Map<?, ?>) plan.config().get("text_config")).get("num_hidden_layers"));
    }

    @Test
    void aModelsListAppliesToEveryModule() {
        Map<String, float[]> out = run(plan("""
                merge_method: weighted_sum
                models:
                  - {model: a, parameters: {weight: 0.25}}
                  - {model: b, parameters: {weight: 0.75}}
                """, twoModels()));
        assertEquals(shapes(2, false).keySet(), out.keySet());
        for (String name : out.keySet()) {
            assertEquals(0.25 * value(1, name, 1) + 0.75 * value(2, name, 1), out.get(name)[1], 1e-3, name);
        }
    }

    @Test
    void aModuleWithoutALayerStackMergesItsOtherWeights() {
        Map<String, float[]> out = run(plan("""
                merge_method: weighted_sum
                modules:
                  multi_modal_projector:
                    models: [{model: a, parameters: {weight: 2}}, {model: b, parameters: {weight: -1}}]
                """, twoModels()));
        String name = "multi_modal_projector.linear_1.weight";
        assertEquals(Set.of(name), out.keySet());
        assertEquals(2 * value(1, name, 7) - value(2, name, 7), out.get(name)[7], 1e-3);
    }

    @Test
    void modulesOfAnotherArchitectureAreConfigurationErrorsNamingTheModule() {
        EvomergeException e = assertThrows(EvomergeException.class, () -> plan("""
                merge_method: weighted_sum
                modules:
                  text_decoder: {models: [{model: a}]}
                  audio_tower: {models: [{model: a}]}
                """, twoModels()));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().contains("unknown module 'audio_tower'"), e.getMessage());
        assertTrue(e.getMessage().contains("multi_modal_projector, text_decoder, vision_tower")
                || e.getMessage().contains("text_decoder, vision_tower, multi_modal_projector"), e.getMessage());
    }

    @Test
    void topLevelSlicesNeedASingleModuleArchitecture() {
        EvomergeException e = assertThrows(EvomergeException.class, () -> plan("""
                merge_method: weighted_sum
                slices:
                  - sources: [{model: a, layer_range: [0, 2]}]
                """, twoModels()));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().contains("modules:"), e.getMessage());
    }

    @Test
    void layerRangesAreCheckedAgainstTheModulesOwnLayerCount() {
        EvomergeException e = assertThrows(EvomergeException.class, () -> plan("""
                merge_method: weighted_sum
                modules:
                  vision_tower:
                    slices: [{sources: [{model: a, layer_range: [0, 3]}]}]
                """, twoModels()));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().contains("module 'vision_tower' ends at 3, but the module has 2 layers"),
                e.getMessage());
    }

    @Test
    void weightsOfNoDeclaredModuleAreInputErrorsRatherThanDropped() {
        Map<String, Model> models = Map.of("a", model(1, 2, true));
        EvomergeException e = assertThrows(EvomergeException.class, () -> plan("""
                merge_method: weighted_sum
                models: [{model: a}]
                """, models));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().contains("'audio_tower.conv.weight'"), e.getMessage());
    }

    @Test
    void layerCountsFallBackToTheWeightNamesWhenTheConfigHasNone() {
        // LLaVA configs often omit text_config.num_hidden_layers: the module's layers are counted from its names.
        ArchitectureDescription llava = ArchitectureCatalog.load(List.of()).all().stream()
                .filter(d -> d.name().equals("llava")).findFirst().orElseThrow();
        assertEquals(List.of("text_decoder", "vision_tower", "multi_modal_projector"),
                llava.modules().stream().map(ArchitectureDescription.Module::name).toList());
        assertEquals("vision_tower", llava.moduleOf("vision_tower.vision_model.encoder.layers.7.mlp.fc1.weight")
                .orElseThrow().name());
        assertEquals(7, llava.classify("vision_tower.vision_model.encoder.layers.7.mlp.fc1.weight").layer()
                .getAsInt());
    }

    @Test
    void singleStackModelsHaveOneModuleNamedDefault() {
        Map<String, Model> models = new LinkedHashMap<>();
        models.put("a", ArrayModels.llama(1, Map.of("model.layers.0.mlp.up_proj.weight", Shape.of(2),
                "model.norm.weight", Shape.of(2)), Map.of("model.layers.0.mlp.up_proj.weight", new float[] {1, 2},
                "model.norm.weight", new float[] {3, 4})));
        MergePlan plan = plan("""
                merge_method: weighted_sum
                modules:
                  default:
                    parameters: {weight: 3}
                    models: [{model: a}]
                """, models);
        Map<String, float[]> out = run(plan);
        assertEquals(6f, out.get("model.layers.0.mlp.up_proj.weight")[1], 1e-6);
        assertEquals(9f, out.get("model.norm.weight")[0], 1e-6);
        EvomergeException e = assertThrows(EvomergeException.class, () -> plan("""
                merge_method: weighted_sum
                modules: {text_decoder: {models: [{model: a}]}}
                """, models));
        assertTrue(e.getMessage().contains("unknown module 'text_decoder'") && e.getMessage().contains("default"),
                e.getMessage());
    }
}
