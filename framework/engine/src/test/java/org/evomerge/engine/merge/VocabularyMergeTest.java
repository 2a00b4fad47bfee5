package org.evomerge.engine.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.InMemoryTensors;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.api.tensor.TensorSource;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.evomerge.engine.vocabulary.TokenizerFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merges of models whose tokenizers differ: the planner builds the output vocabulary, the executor rebuilds every
 * embedding and head (tied or not) in its order before the method runs, and the plan's config has the new vocab_size.
 */
class VocabularyMergeTest {

    @TempDir
    Path temp;

    private static final ExtensionDescriptor WEIGHTED_SUM = new ExtensionDescriptor("weighted_sum", "1.0.0",
            ExtensionKind.MERGE_METHOD, "test", ParameterSchema.of(
                    ParameterSpec.number("weight", 1.0, null, null, "").withScope(ParameterScope.PER_MODEL)),
            Set.of(Capability.ACCEPTS_BASE_MODEL));

    private static final MergeMethod WEIGHTED_SUM_METHOD = (ArrayMergeMethod) (input, models, base) -> {
        float[] out = new float[Math.toIntExact(input.elementCount())];
        for (int m = 0; m < models.length; m++) {
            double w = input.models().get(m).parameters().number("weight");
            for (int i = 0; i < out.length; i++) {
                out[i] += (float) (w * models[m][i]);
            }
        }
        return out;
    };

    /** Embedding rows 100·id + 10·row + column (2 columns), one layer, a head (rows + 50) unless tied. */
    private Model model(String name, int id, int vocab, boolean head) {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        float[] embed = new float[vocab * 2];
        float[] lmHead = new float[vocab * 2];
        for (int r = 0; r < vocab; r++) {
            for (int c = 0; c < 2; c++) {
                embed[2 * r + c] = 100 * id + 10 * r + c;
                lmHead[2 * r + c] = 100 * id + 10 * r + c + 50;
            }
        }
        values.put("model.embed_tokens.weight", embed);
        shapes.put("model.embed_tokens.weight", Shape.of(vocab, 2));
        values.put("model.layers.0.mlp.down_proj.weight", new float[] {id, id, id, id});
        shapes.put("model.layers.0.mlp.down_proj.weight", Shape.of(2, 2));
        if (head) {
            values.put("lm_head.weight", lmHead);
            shapes.put("lm_head.weight", Shape.of(vocab, 2));
        }
        List<InMemoryTensor> tensors = new ArrayList<>();
        values.forEach((tensorName, v) -> tensors.add(InMemoryTensor.ofFloats(tensorName, shapes.get(tensorName), v)));
        ModelConfig config = new ModelConfig(Map.of("model_type", "llama", "num_hidden_layers", 1, "vocab_size", vocab),
                Map.of("architectures", List.of("LlamaForCausalLM"), "hidden_size", 2, "intermediate_size", 2,
                        "num_attention_heads", 1, "tie_word_embeddings", !head));
        Path folder = temp.resolve(name);
        return new InMemoryModel(InMemoryModel.FORMAT_ID, Optional.of(folder), config, InMemoryTensors.of(tensors),
                List.of(), () -> { });
    }

    private static final class CapturingWriter implements ModelWriter {
        final Map<String, float[]> written = new ConcurrentHashMap<>();
        final Map<String, Shape> shapes = new ConcurrentHashMap<>();

        public void write(TensorInfo info, MemorySegment data) {
            written.put(info.name(), data.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)));
            shapes.put(info.name(), info.shape());
        }

        public void commit() {
        }

        public void close() {
        }
    }

    private Map<String, Model> models() {
        // base: a b c; other: c d (tied: no head). Union: a0 b1 c2 d3.
        TokenizerFixtures.write(temp.resolve("base"), Map.of("a", 0, "b", 1, "c", 2), Map.of(), List.of());
        TokenizerFixtures.write(temp.resolve("other"), Map.of("c", 0, "d", 1), Map.of(), List.of());
        Map<String, Model> models = new LinkedHashMap<>();
        models.put("base", model("base", 0, 3, true));
        models.put("other", model("other", 1, 2, false));
        return models;
    }

    private MergePlan plan(String recipeText, Map<String, Model> models) {
        MergeRecipe recipe = RecipeReader.parse(recipeText, temp.resolve("recipe.yml"));
        return MergePlanner.plan(recipe, WEIGHTED_SUM, models,
                ArchitectureCatalog.load(List.of()).findOrGeneric(models.get("base").config()));
    }

    private CapturingWriter run(MergePlan plan) {
        CapturingWriter writer = new CapturingWriter();
        MergeExecutor.run(plan, WEIGHTED_SUM, WEIGHTED_SUM_METHOD, writer, new DefaultRunContext(
                new SeededRandomSource(1), new ReferenceBackend(), ProgressReporter.SILENT,
                ScratchDirectory.create(temp, false), 2, Map.of()), 1 << 20);
        return writer;
    }

    @Test
    void unionRebuildsEmbeddingsAndTiedHeadsBeforeTheMethodRuns() {
        MergePlan plan = plan("""
                merge_method: weighted_sum
                models:
                  - {model: base, parameters: {weight: 0.5}}
                  - {model: other, parameters: {weight: 0.5}}
                tokenizer_source: union
                """, models());
        assertEquals(4, plan.config().get("vocab_size"));
        CapturingWriter out = run(plan);
        assertEquals(Shape.of(4, 2), out.shapes.get("model.embed_tokens.weight"));
        assertEquals(Shape.of(4, 2), out.shapes.get("lm_head.weight"));
        float[] e = out.written.get("model.embed_tokens.weight");
        // a, b: only the base -> both inputs hold the base row: 0.5·x + 0.5·x = x
        assertArrayEquals(new float[] {0, 1, 10, 11}, java.util.Arrays.copyOfRange(e, 0, 4));
        // c: base row 2 (20, 21) and other's row 0 (100, 101)
        assertArrayEquals(new float[] {60, 61}, java.util.Arrays.copyOfRange(e, 4, 6));
        // d: only other (row 1: 110, 111)
        assertArrayEquals(new float[] {110, 111}, java.util.Arrays.copyOfRange(e, 6, 8));
        // Head: the base's head (rows + 50) and other's embedding standing in for its missing head.
        float[] h = out.written.get("lm_head.weight");
        assertArrayEquals(new float[] {(70 + 100) / 2f, (71 + 101) / 2f}, java.util.Arrays.copyOfRange(h, 4, 6));
        assertArrayEquals(new float[] {110, 111}, java.util.Arrays.copyOfRange(h, 6, 8));
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, out.written.get("model.layers.0.mlp.down_proj.weight"));
    }

    private static Shape shape(MergePlan plan, String tensor) {
        return plan.tensors().stream().filter(t -> t.name().equals(tensor)).findFirst().orElseThrow().shape();
    }

    private static boolean rebuilt(MergePlan plan, String tensor) {
        return plan.tensors().stream().filter(t -> t.name().equals(tensor)).findFirst().orElseThrow()
                .rebuiltInVocabulary();
    }

    /**
     * What the plan decides once and every merge (into a folder or into memory) follows: each tensor's shape, whether
     * it is rebuilt in the output vocabulary, the output dtype and configuration; the executor writes the planned
     * layout.
     */
    @Test
    void thePlanDecidesShapesVocabularyRebuildsAndTheOutputConfig() {
        Map<String, Model> models = models();
        ModelConfig reference = models.get("base").config();
        // No vocabulary settings: the embeddings (3 and 2 rows) are cut to the block they share, nothing is rebuilt.
        MergePlan cut = plan("merge_method: weighted_sum\nmodels:\n  - {model: base}\n  - {model: other}\n",
                models);
        assertEquals(Shape.of(2, 2), shape(cut, "model.embed_tokens.weight"));
        assertEquals(Shape.of(2, 2), shape(cut, "lm_head.weight"));
        assertEquals(Shape.of(2, 2), shape(cut, "model.layers.0.mlp.down_proj.weight"));
        assertTrue(cut.tensors().stream().noneMatch(MergePlan.PlannedTensor::rebuiltInVocabulary));
        assertEquals(cut.layout().stream().map(TensorInfo::shape).toList(),
                cut.tensors().stream().map(MergePlan.PlannedTensor::shape).toList());
        assertEquals(run(cut).shapes, shapesOf(cut));

        // A union vocabulary: embeddings and heads rebuilt with its 4 rows; the layers as they are.
        MergePlan union = plan("""
                merge_method: weighted_sum
                models:
                  - {model: base}
                  - {model: other}
                tokenizer_source: union
                """, models);
        assertTrue(rebuilt(union, "model.embed_tokens.weight") && rebuilt(union, "lm_head.weight"));
        assertFalse(rebuilt(union, "model.layers.0.mlp.down_proj.weight"));
        assertEquals(Shape.of(4, 2), shape(union, "lm_head.weight"));
        assertEquals(Shape.of(2, 2), shape(union, "model.layers.0.mlp.down_proj.weight"));
        assertEquals(run(union).shapes, shapesOf(union));
        ModelConfig config = union.outputConfig(reference);
        assertEquals(4, config.vocabSize());
        assertEquals(1, config.numLayers());
        assertEquals(union.config(), config.raw());
        assertEquals(DType.F32, union.outDtype());
        assertEquals("float32", union.config().get("torch_dtype"));

        // Stacked slices give the output more layers; a merge into memory writes its storage dtype.
        MergeRecipe stacked = RecipeReader.parse("""
                merge_method: weighted_sum
                slices:
                  - sources: [{model: base, layer_range: [0, 1]}]
                  - sources: [{model: other, layer_range: [0, 1]}]
                """, temp.resolve("recipe.yml"));
        MergePlan memory = MergePlanner.plan(stacked, WEIGHTED_SUM, models,
                ArchitectureCatalog.load(List.of()).findOrGeneric(reference), r -> temp.resolve(r),
                Optional.of(DType.BF16));
        assertEquals(2, memory.outputConfig(reference).numLayers());
        assertEquals(DType.BF16, memory.outDtype());
        assertTrue(memory.layout().stream().allMatch(t -> t.dtype() == DType.BF16));
        assertEquals("bfloat16", memory.config().get("dtype"));
        assertEquals("bfloat16", memory.config().get("torch_dtype"));
    }

    private static Map<String, Shape> shapesOf(MergePlan plan) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        plan.layout().forEach(t -> shapes.put(t.name(), t.shape()));
        return shapes;
    }

    @Test
    void aModelSourceWithPaddingSetsRowsAndVocabSize() {
        MergePlan plan = plan("""
                merge_method: weighted_sum
                models:
                  - {model: base, parameters: {weight: 1.0}}
                  - {model: other, parameters: {weight: 0.0}}
                tokenizer: {source: other, pad_to_multiple_of: 4}
                """, models());
        assertEquals(4, plan.config().get("vocab_size"));
        float[] e = run(plan).written.get("model.embed_tokens.weight");
        // Output c0 d1 + 2 padding rows. Base: c = its row 2; d = other's row 1 (only owner); padding = mean of both.
        assertArrayEquals(new float[] {20, 21, 110, 111, 65, 66, 65, 66}, e);
    }

    /** {@code model} with another raw config (a multimodal model's, with the language model's keys nested). */
    private static Model withRawConfig(Model model, Map<String, Object> raw) {
        return ((InMemoryModel) model).withConfig(model.config().withRaw(raw));
    }

    @Test
    void aNestedVocabSizeIsReadAndWrittenWhereTheConfigKeepsIt() {
        Map<String, Model> models = models();
        // Like LLaVA: the language model's settings under text_config. Tokens at or beyond a model's vocab_size do
        // not count: the base's "c" (id 2, vocab_size 2) and the other's "d" (id 1, vocab_size 1).
        models.put("base", withRawConfig(models.get("base"), Map.of("model_type", "llava",
                "text_config", Map.of("num_hidden_layers", 1, "vocab_size", 2))));
        models.put("other", withRawConfig(models.get("other"), Map.of("model_type", "llava",
                "text_config", Map.of("num_hidden_layers", 1, "vocab_size", 1))));
        MergePlan plan = plan("""
                merge_method: weighted_sum
                models:
                  - {model: base, parameters: {weight: 0.5}}
                  - {model: other, parameters: {weight: 0.5}}
                tokenizer_source: union
                """, models);
        // Union of the base's a0 b1 and the other's c0: a b c (with the nested sizes ignored it would be a b c d).
        assertEquals(3, ((Map<?, ?>) plan.config().get("text_config")).get("vocab_size"));
        assertEquals(1, ((Map<?, ?>) plan.config().get("text_config")).get("num_hidden_layers"));
        assertFalse(plan.config().containsKey("vocab_size"), "no top-level key the input did not have");
    }

    @Test
    void aMissingBaseTokenizerIsAnInputError() {
        Map<String, Model> models = new LinkedHashMap<>();
        models.put("base", model("nothing-here", 0, 3, true));
        models.put("other", model("other", 1, 2, false));
        EvomergeException e = assertThrows(EvomergeException.class, () -> plan("""
                merge_method: weighted_sum
                models: [{model: base}, {model: other}]
                tokenizer_source: base
                """, models));
        assertTrue(e.getMessage().contains("needs its tokenizer.json"), e.getMessage());
    }
}
