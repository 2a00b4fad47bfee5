package org.evomerge.engine.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorBlock;
import org.evomerge.api.tensor.TensorBlocks;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.compute.VectorBackend;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Planning and running merges on small in-memory Llama-shaped models with a toy weighted-sum method. */
class MergeExecutorTest {

    @TempDir
    Path temp;

    /** Σ weight·x + a seeded jitter from input.random(), to check that randomness follows the tensor, not the thread. */
    private static final ExtensionDescriptor JITTER_SUM = new ExtensionDescriptor("jitter_sum", "1.0.0",
            ExtensionKind.MERGE_METHOD, "test", ParameterSchema.of(
                    ParameterSpec.number("weight", 1.0, null, null, "").withScope(ParameterScope.PER_MODEL),
                    ParameterSpec.number("scale", 1.0, null, null, "").withScope(ParameterScope.PER_TENSOR)),
            Set.of(Capability.RANDOMIZED, Capability.ACCEPTS_BASE_MODEL));

    /** jitter_sum of one block: Σ w·x, scaled, plus a jitter drawn with each element's index in the whole tensor. */
    private static void jitterSum(MergeInput input, TensorBlock block, float[] out) {
        double scale = input.parameters().number("scale");
        java.util.Arrays.fill(out, 0f);
        for (int m = 0; m < block.models().length; m++) {
            double w = input.models().get(m).parameters().number("weight");
            for (int i = 0; i < out.length; i++) {
                out[i] += (float) (w * block.models()[m][i]);
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (scale * out[i] + 1e-3 * input.random().uniform(block.offset() + i));
        }
    }

    /** jitter_sum as a method that needs every tensor whole (one block). */
    private static final MergeMethod JITTER_SUM_METHOD = new MergeMethod() {
        @Override
        public boolean needsWholeTensor(MergeInput input) {
            return true;
        }

        @Override
        public void merge(MergeInput input, TensorBlocks values, ModelWideStatistics statistics) {
            values.merge((block, out) -> jitterSum(input, block, out));
        }
    };

    /** A method that takes tensors in blocks, merging them with {@code blocks}. */
    private static MergeMethod inBlocks(java.util.function.BiConsumer<MergeInput, TensorBlocks> blocks) {
        return (input, values, statistics) -> blocks.accept(input, values);
    }

    /** jitter_sum in blocks: the same values, after a scan as methods with per-tensor statistics make. */
    private static final MergeMethod JITTER_SUM_IN_BLOCKS = inBlocks((input, values) -> {
        long[] seen = {0};
        values.scan(0, block -> {
            seen[0] += block.length();
            return true;
        });
        assertEquals(input.elementCount(), seen[0]);
        values.merge((block, out) -> jitterSum(input, block, out));
    });

    /** A 3-layer model whose values encode (model, tensor, element) so tests can see where outputs came from. */
    private static Model model(int id, int vocab, boolean head) {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", Shape.of(vocab, 4));
        for (int layer = 0; layer < 3; layer++) {
            shapes.put("model.layers." + layer + ".self_attn.q_proj.weight", Shape.of(4, 4));
            shapes.put("model.layers." + layer + ".mlp.down_proj.weight", Shape.of(4, 4));
        }
        shapes.put("model.norm.weight", Shape.of(4));
        if (head) {
            shapes.put("lm_head.weight", Shape.of(vocab, 4));
        }
        int t = 0;
        for (var e : shapes.entrySet()) {
            float[] v = new float[(int) e.getValue().elementCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = id * 1000 + t * 10 + i * 0.01f;
            }
            values.put(e.getKey(), v);
            t++;
        }
        List<InMemoryTensor> tensors = new ArrayList<>();
        values.forEach((name, v) -> tensors.add(InMemoryTensor.ofFloats(name, shapes.get(name), v)));
        ModelConfig config = new ModelConfig(Map.of("model_type", "llama", "num_hidden_layers", 3),
                Map.of("architectures", List.of("LlamaForCausalLM"), "hidden_size", 4, "intermediate_size", 4,
                        "num_attention_heads", 1, "vocab_size", vocab, "tie_word_embeddings", !head));
        return InMemoryModel.of(config, tensors);
    }

    /** Captures written tensors as float arrays. */
    private static final class CapturingWriter implements ModelWriter {
        final Map<String, float[]> written = new ConcurrentHashMap<>();
        final Map<String, Shape> shapes = new ConcurrentHashMap<>();

        @Override
        public void write(TensorInfo info, MemorySegment data) {
            written.put(info.name(), data.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)));
            shapes.put(info.name(), info.shape());
        }

        @Override
        public void commit() {
        }

        @Override
        public void close() {
        }
    }

    /** Gathers tensors written in parts; can be told to fail. */
    private static final class PartsWriter implements ModelWriter {
        final Map<String, byte[]> bytes = new ConcurrentHashMap<>();
        final Map<String, Long> arrived = new ConcurrentHashMap<>();
        RuntimeException failure;

        @Override
        public boolean writesInParts() {
            return true;
        }

        @Override
        public void writePart(TensorInfo info, long offset, MemorySegment part) {
            if (failure != null) {
                throw failure;
            }
            byte[] target = bytes.computeIfAbsent(info.name(), n -> new byte[(int) info.byteSize()]);
            MemorySegment.copy(part, 0, MemorySegment.ofArray(target), offset, part.byteSize());
            arrived.merge(info.name(), part.byteSize(), Long::sum);
        }

        @Override
        public void write(TensorInfo info, MemorySegment data) {
            writePart(info, 0, data);
        }

        float[] floats(String name) {
            return MemorySegment.ofArray(bytes.get(name))
                    .toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
        }

        @Override
        public void commit() {
        }

        @Override
        public void close() {
        }
    }

    private static final String BLOCK_RECIPE = """
            merge_method: jitter_sum
            models:
              - {model: a, parameters: {weight: 0.25}}
              - {model: b, parameters: {weight: [0, 1]}}
            parameters: {scale: [{filter: mlp, value: 2.0}, {value: 1.0}]}
            """;

    /** Models whose embeddings and heads span several blocks, the last one ragged. */
    private static Map<String, Model> blockModels() {
        int vocab = (2 * BlockStream.BLOCK_ELEMENTS + 4_000) / 4;
        return new LinkedHashMap<>(Map.of("a", model(1, vocab, true), "b", model(2, vocab, true)));
    }

    private MergePlan blockPlan(Map<String, Model> models) {
        MergeRecipe recipe = RecipeReader.parse(BLOCK_RECIPE, temp.resolve("recipe.yml"));
        return MergePlanner.plan(recipe, JITTER_SUM, models,
                ArchitectureCatalog.load(List.of()).findOrGeneric(models.values().iterator().next().config()));
    }

    @Test
    void tensorsMergedInBlocksAreTheTensorsMergedWhole() {
        Map<String, Model> models = blockModels();
        MergePlan plan = blockPlan(models);
        CapturingWriter whole = new CapturingWriter();
        MergeExecutor.run(plan, JITTER_SUM, JITTER_SUM_METHOD, whole, context(2), 1 << 10);
        for (int threads : new int[] {1, 2}) {
            PartsWriter parts = new PartsWriter();
            MergeExecutor.run(plan, JITTER_SUM, JITTER_SUM_IN_BLOCKS, parts, context(threads), 1 << 10);
            CapturingWriter gathered = new CapturingWriter(); // a writer without parts gets each tensor whole
            MergeExecutor.run(plan, JITTER_SUM, JITTER_SUM_IN_BLOCKS, gathered, context(threads), 1 << 10);
            assertEquals(whole.written.keySet(), parts.bytes.keySet());
            whole.written.forEach((name, values) -> {
                assertEquals(values.length * 4L, parts.arrived.get(name), name + ": every byte once");
                assertArrayEquals(values, parts.floats(name), name);
                assertArrayEquals(values, gathered.written.get(name), name);
            });
        }
    }

    @Test
    void aFailedPartWriteFailsTheMerge() {
        Map<String, Model> models = blockModels();
        PartsWriter parts = new PartsWriter();
        parts.failure = new java.io.UncheckedIOException("disk full", new java.io.IOException("disk full"));
        java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class, () ->
                MergeExecutor.run(blockPlan(models), JITTER_SUM, JITTER_SUM_IN_BLOCKS, parts, context(2), 1 << 10));
        assertEquals("disk full", e.getMessage());
    }

    @Test
    void aBlockMergeWithoutAMergePassIsAnError() {
        MergeMethod lazy = inBlocks((input, values) -> {
            // forgets the merge pass
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MergeExecutor.run(
                blockPlan(blockModels()), JITTER_SUM, lazy, new PartsWriter(), context(1), 1 << 10));
        assertTrue(e.getMessage().contains("was not merged"), e.getMessage());
    }

    @Test
    void aWholeTensorMergeWithoutAMergePassIsAnError() {
        MergeMethod lazy = new MergeMethod() {
            @Override
            public boolean needsWholeTensor(MergeInput input) {
                return true;
            }

            @Override
            public void merge(MergeInput input, TensorBlocks values, ModelWideStatistics statistics) {
                // forgets the merge pass
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MergeExecutor.run(
                blockPlan(blockModels()), JITTER_SUM, lazy, new CapturingWriter(), context(1), 1 << 10));
        assertTrue(e.getMessage().startsWith("jitter_sum: tensor '")
                && e.getMessage().endsWith("' was not merged (merge returned without a merge pass)"), e.getMessage());
    }

    private RunContext context(int threads) {
        return new DefaultRunContext(new SeededRandomSource(7), new VectorBackend(), ProgressReporter.SILENT,
                ScratchDirectory.create(temp, false), threads, Map.of());
    }

    private CapturingWriter run(String recipeText, Map<String, Model> models, int threads) {
        MergeRecipe recipe = RecipeReader.parse(recipeText, temp.resolve("recipe.yml"));
        MergePlan plan = MergePlanner.plan(recipe, JITTER_SUM, models,
                ArchitectureCatalog.load(List.of()).findOrGeneric(models.values().iterator().next().config()));
        CapturingWriter writer = new CapturingWriter();
        MergeExecutor.run(plan, JITTER_SUM, JITTER_SUM_METHOD, writer, context(threads), 1 << 10);
        return writer;
    }

    @Test
    void resultsDoNotDependOnTheThreadCountOrTheBudget() {
        Map<String, Model> models = Map.of("a", model(1, 8, true), "b", model(2, 8, true));
        String recipe = """
                merge_method: jitter_sum
                models:
                  - {model: a, parameters: {weight: 0.25}}
                  - {model: b, parameters: {weight: [0, 1]}}
                parameters: {scale: [{filter: mlp, value: 2.0}, {value: 1.0}]}
                """;
        CapturingWriter one = run(recipe, new LinkedHashMap<>(models), 1);
        CapturingWriter two = run(recipe, new LinkedHashMap<>(models), 2);
        assertEquals(one.written.keySet(), two.written.keySet());
        one.written.forEach((name, values) -> assertArrayEquals(values, two.written.get(name), name));
        // Layer 1 of 3: t = 0.5, so b's gradient weight is 0.5; mlp tensors are scaled by 2. Element 0 of
        // model.layers.1.mlp.down_proj.weight (tensor index 4): a = 1040, b = 2040.
        float expected = (float) (2.0 * (0.25 * 1040 + 0.5 * 2040));
        assertEquals(expected, one.written.get("model.layers.1.mlp.down_proj.weight")[0], 2e-3);
    }

    @Test
    void slicesStackAndRenumberLayers() {
        Map<String, Model> models = new LinkedHashMap<>(Map.of("a", model(1, 8, true), "b", model(2, 8, true)));
        CapturingWriter out = run("""
                merge_method: jitter_sum
                slices:
                  - sources: [{model: a, layer_range: [0, 2]}]
                  - sources: [{model: b, layer_range: [1, 3]}]
                """, models, 2);
        // Output layers 0,1 from a's 0,1; output layers 2,3 from b's 1,2.
        assertEquals(1000 + 1 * 10, out.written.get("model.layers.0.self_attn.q_proj.weight")[0], 2e-3);
        assertEquals(2000 + 3 * 10, out.written.get("model.layers.2.self_attn.q_proj.weight")[0], 2e-3);
        assertEquals(2000 + 5 * 10, out.written.get("model.layers.3.self_attn.q_proj.weight")[0], 2e-3);
        // Embeddings from the first slice's model, final norm and head from the last one's.
        assertEquals(1000, out.written.get("model.embed_tokens.weight")[0], 2e-3);
        assertEquals(2000 + 7 * 10, out.written.get("model.norm.weight")[0], 2e-3);
        assertEquals(4 * 2 + 3, out.written.size(), "4 layers of 2 tensors, embedding, norm and head");
    }

    @Test
    void tiedEmbeddingsStandInForAMissingHeadAndVocabulariesAreCutToTheCommonBlock() {
        Map<String, Model> models = new LinkedHashMap<>(Map.of("a", model(1, 8, true), "b", model(2, 10, false)));
        CapturingWriter out = run("""
                merge_method: jitter_sum
                models:
                  - {model: a, parameters: {weight: 1.0}}
                  - {model: b, parameters: {weight: 1.0}}
                """, models, 1);
        assertEquals(Shape.of(8, 4), out.shapes.get("model.embed_tokens.weight"));
        assertEquals(Shape.of(8, 4), out.shapes.get("lm_head.weight"));
        // a's head (tensor index 8) + b's embedding (index 0), element 0.
        assertEquals(1000 + 80 + 2000, out.written.get("lm_head.weight")[0], 2e-3);
    }

    @Test
    void shapeMismatchesOutsideTheVocabularyAreInputErrors() {
        Model a = model(1, 8, true);
        Map<String, Model> models = new LinkedHashMap<>(Map.of("a", a, "b", model(2, 8, true)));
        MergeRecipe recipe = RecipeReader.parse("merge_method: jitter_sum\nmodels: [{model: a}, {model: b}]\n",
                temp.resolve("r.yml"));
        MergePlan plan = MergePlanner.plan(recipe, JITTER_SUM, models,
                ArchitectureCatalog.load(List.of()).findOrGeneric(a.config()));
        // Swap in a plan input whose shape differs: b's q_proj replaced by its down_proj under q_proj's name.
        List<MergePlan.PlannedTensor> tensors = new ArrayList<>(plan.tensors());
        MergePlan.PlannedTensor q = tensors.stream().filter(t -> t.name().contains("q_proj")).findFirst().orElseThrow();
        MergePlan.PlannedInput wrong = new MergePlan.PlannedInput("b", models.get("b"), "model.norm.weight",
                q.inputs().get(1).levels());
        tensors.set(tensors.indexOf(q), new MergePlan.PlannedTensor(q.name(), q.placement(), q.position(),
                List.of(q.inputs().get(0), wrong), q.base(), q.tensorLevels()));
        MergePlan broken = new MergePlan(tensors, plan.config(), plan.outDtype(), plan.workingDtype());
        EvomergeException e = assertThrows(EvomergeException.class, () -> MergeExecutor.run(broken, JITTER_SUM,
                JITTER_SUM_METHOD, new CapturingWriter(), context(1), 1 << 20));
        assertTrue(e.getMessage().contains("shapes differ"), e.getMessage());
    }
}
