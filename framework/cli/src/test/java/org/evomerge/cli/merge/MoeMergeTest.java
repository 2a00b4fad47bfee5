package org.evomerge.cli.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;

import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.inference.Tokenizer;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.moe.MoeMerge;
import org.evomerge.engine.moe.MoeMergeConfig;
import org.evomerge.inference.LlamaInferenceEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MoeMerge} on generated Llama models, with evomerge's inference engine for the {@code hidden} gates: the gate
 * vectors recomputed here in float64 from this test's own forward pass of the base model (not the engine), the
 * output's tensor names and config keys as transformers' Mixtral has them, and the output run by the engine.
 */
class MoeMergeTest {

    private static final int LAYERS = 2;
    private static final int HIDDEN = 32;
    private static final int INTERMEDIATE = 48;
    private static final int HEADS = 4;
    private static final int KV_HEADS = 2;
    private static final int VOCAB = 40;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path temp;

    /** Characters to ids 3.. (BOS is 1, written {@code <s>}), so prompts tokenize without a vocabulary file. */
    private static final Tokenizer CHARACTERS = new Tokenizer() {
        @Override
        public int[] encode(String text, boolean addSpecialTokens) {
            List<Integer> ids = new ArrayList<>();
            String rest = text;
            if (rest.startsWith("<s>")) {
                ids.add(1);
                rest = rest.substring(3);
            }
            rest.chars().forEach(c -> ids.add(3 + c % (VOCAB - 3)));
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }

        @Override
        public String decode(int[] ids, boolean skipSpecialTokens) {
            StringBuilder text = new StringBuilder();
            for (int id : ids) {
                text.append(id == 1 ? "<s>" : String.valueOf((char) ('a' + id % 26)));
            }
            return text.toString();
        }

        @Override
        public OptionalInt bosTokenId() {
            return OptionalInt.of(1);
        }

        @Override
        public OptionalInt eosTokenId() {
            return OptionalInt.of(2);
        }
    };

    private static final LlamaInferenceEngine ENGINE = new LlamaInferenceEngine(1, m -> Optional.of(CHARACTERS));

    /** A random Llama model in F32, with its values in double for the reference forward pass. */
    private record Generated(InMemoryModel model, Map<String, double[]> values) {
    }

    private static Generated llama(long seed, Generated attentionFrom) {
        Random random = new Random(seed);
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("architectures", List.of("LlamaForCausalLM"));
        raw.put("model_type", "llama");
        raw.put("hidden_size", HIDDEN);
        raw.put("intermediate_size", INTERMEDIATE);
        raw.put("num_hidden_layers", LAYERS);
        raw.put("num_attention_heads", HEADS);
        raw.put("num_key_value_heads", KV_HEADS);
        raw.put("vocab_size", VOCAB);
        raw.put("rms_norm_eps", 1e-5);
        raw.put("rope_theta", 10000.0);
        raw.put("max_position_embeddings", 64);
        raw.put("tie_word_embeddings", false);
        raw.put("torch_dtype", "float32");
        Map<String, double[]> values = new LinkedHashMap<>();
        List<Tensor> tensors = new ArrayList<>();
        int q = HIDDEN;
        int kv = KV_HEADS * HIDDEN / HEADS;
        add(tensors, values, "model.embed_tokens.weight", Shape.of(VOCAB, HIDDEN), random, 1, 0);
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            add(tensors, values, p + "input_layernorm.weight", Shape.of(HIDDEN), random, 0.2, 1);
            add(tensors, values, p + "self_attn.q_proj.weight", Shape.of(q, HIDDEN), random, 1 / Math.sqrt(HIDDEN), 0);
            add(tensors, values, p + "self_attn.k_proj.weight", Shape.of(kv, HIDDEN), random, 1 / Math.sqrt(HIDDEN), 0);
            add(tensors, values, p + "self_attn.v_proj.weight", Shape.of(kv, HIDDEN), random, 1 / Math.sqrt(HIDDEN), 0);
            add(tensors, values, p + "self_attn.o_proj.weight", Shape.of(HIDDEN, q), random, 1 / Math.sqrt(q), 0);
            add(tensors, values, p + "post_attention_layernorm.weight", Shape.of(HIDDEN), random, 0.2, 1);
            add(tensors, values, p + "mlp.gate_proj.weight", Shape.of(INTERMEDIATE, HIDDEN), random,
                    1 / Math.sqrt(HIDDEN), 0);
            add(tensors, values, p + "mlp.up_proj.weight", Shape.of(INTERMEDIATE, HIDDEN), random,
                    1 / Math.sqrt(HIDDEN), 0);
            add(tensors, values, p + "mlp.down_proj.weight", Shape.of(HIDDEN, INTERMEDIATE), random,
                    1 / Math.sqrt(INTERMEDIATE), 0);
        }
        add(tensors, values, "model.norm.weight", Shape.of(HIDDEN), random, 0.2, 1);
        add(tensors, values, "lm_head.weight", Shape.of(VOCAB, HIDDEN), random, 1 / Math.sqrt(HIDDEN), 0);
        if (attentionFrom != null) {
            // A fine-tune of the base: everything but the MLPs is the base's.
            for (int i = 0; i < tensors.size(); i++) {
                String name = tensors.get(i).info().name();
                if (!name.contains(".mlp.")) {
                    tensors.set(i, attentionFrom.model().tensors().tensor(name));
                    values.put(name, attentionFrom.values().get(name));
                }
            }
        }
        return new Generated(InMemoryModel.of(ModelConfig.of(raw), tensors), values);
    }

    private static void add(List<Tensor> tensors, Map<String, double[]> values, String name, Shape shape,
                            Random random, double scale, double mean) {
        int n = (int) shape.elementCount();
        MemorySegment data = Arena.ofAuto().allocate(4L * n);
        double[] decoded = new double[n];
        for (int i = 0; i < n; i++) {
            float f = (float) (mean + scale * random.nextGaussian());
            data.set(F32, 4L * i, f);
            decoded[i] = f;
        }
        tensors.add(new InMemoryTensor(new TensorInfo(name, DType.F32, shape, ""), data));
        values.put(name, decoded);
    }

    /** Keeps what the merge writes in memory: the tensors (copied) and the configuration and side files. */
    private static final class MemoryFormat implements ModelFormat {
        final boolean parts;
        final Map<String, MemorySegment> written = new LinkedHashMap<>();
        WriteOptions options;
        List<String> sideFileNames = List.of();
        Map<String, String> sideFileTexts = new LinkedHashMap<>();

        MemoryFormat(boolean parts) {
            this.parts = parts;
        }

        @Override
        public boolean recognizes(Path path) {
            return false;
        }

        @Override
        public Model open(Path path) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ModelWriter create(Path destination, WriteOptions writeOptions) {
            options = writeOptions;
            Map<String, MemorySegment> pending = new LinkedHashMap<>();
            for (TensorInfo info : writeOptions.tensors()) {
                pending.put(info.name(), Arena.ofAuto().allocate(info.byteSize(), 8));
            }
            return new ModelWriter() {
                @Override
                public void write(TensorInfo info, MemorySegment data) {
                    pending.get(info.name()).copyFrom(data);
                }

                @Override
                public boolean writesInParts() {
                    return parts;
                }

                @Override
                public void writePart(TensorInfo info, long offset, MemorySegment part) {
                    pending.get(info.name()).asSlice(offset, part.byteSize()).copyFrom(part);
                }

                @Override
                public void commit() {
                    written.putAll(pending);
                    sideFileNames = writeOptions.sideFiles().stream().map(f -> f.getFileName().toString()).toList();
                    for (Path f : writeOptions.sideFiles()) {
                        try {
                            sideFileTexts.put(f.getFileName().toString(), Files.readString(f));
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                }

                @Override
                public void close() {
                }
            };
        }

        InMemoryModel model() {
            List<InMemoryTensor> tensors = options.tensors().stream()
                    .map(info -> new InMemoryTensor(info, written.get(info.name()))).toList();
            return InMemoryModel.of(options.config(), tensors);
        }

        double[] floats(String name) {
            MemorySegment data = written.get(name);
            double[] values = new double[(int) (data.byteSize() / 4)];
            for (int i = 0; i < values.length; i++) {
                values[i] = data.get(F32, 4L * i);
            }
            return values;
        }
    }

    private RunContext context(long seed) {
        return new DefaultRunContext(new SeededRandomSource(seed), new ReferenceBackend(), ProgressReporter.SILENT,
                ScratchDirectory.create(temp, false), 1, Map.of());
    }

    private MoeMergeConfig config(String yaml) throws Exception {
        return MoeMergeConfig.read(Files.writeString(temp.resolve("moe.yml"), yaml));
    }

    private static final String PROMPTS = """
            base_model: base
            gate_mode: %s
            dtype: float32
            experts:
              - source_model: code
                positive_prompts: ["def f(x): return x", "import os"]
                negative_prompts: ["once upon a time"]
              - source_model: story
                positive_prompts: ["once upon a time", "the dragon slept"]
              - source_model: math
                positive_prompts: ["2 + 2 = 4"]
                negative_prompts: ["import os", "the end"]
            """;

    private MoeMerge.Result merge(MoeMergeConfig config, Map<String, Generated> models, MemoryFormat format,
                                  long seed, boolean allowAllSame) {
        return MoeMerge.run(config, ref -> models.get(ref).model(), ENGINE, format, temp.resolve("out"),
                context(seed), new MoeMerge.Options(allowAllSame, false, Long.MAX_VALUE, true, "test"));
    }

    private static Map<String, Generated> models() {
        Generated base = llama(1, null);
        Map<String, Generated> models = new LinkedHashMap<>();
        models.put("base", base);
        models.put("code", llama(2, base));
        models.put("story", llama(3, base));
        models.put("math", llama(4, base));
        return models;
    }

    @Test
    void hiddenGatesAreTheFloat64HiddenStatesOfTheBase() throws Exception {
        Map<String, Generated> models = models();
        for (String mode : List.of("hidden", "hidden_avg")) {
            MoeMergeConfig config = config(PROMPTS.formatted(mode));
            MemoryFormat format = new MemoryFormat(false);
            merge(config, models, format, 7, false);
            ReferenceForward reference = new ReferenceForward(models.get("base").values());
            for (int l = 0; l < LAYERS; l++) {
                double[] router = format.floats("model.layers." + l + ".block_sparse_moe.gate.weight");
                for (int e = 0; e < config.experts().size(); e++) {
                    MoeMergeConfig.Expert expert = config.experts().get(e);
                    double[] expected = reference.promptVector(expert.positivePrompts(), l, mode.equals("hidden"));
                    if (!expert.negativePrompts().isEmpty()) {
                        double[] negative = reference.promptVector(expert.negativePrompts(), l,
                                mode.equals("hidden"));
                        for (int i = 0; i < HIDDEN; i++) {
                            expected[i] -= negative[i];
                        }
                    }
                    expected = unit(expected);
                    for (int i = 0; i < HIDDEN; i++) {
                        assertEquals(expected[i], router[e * HIDDEN + i], 2e-5,
                                mode + " layer " + l + " expert " + e + " element " + i);
                    }
                }
            }
        }
    }

    @Test
    void cheapEmbedGatesAreTheNormalisedSumOfThePromptsEmbeddings() throws Exception {
        Map<String, Generated> models = models();
        MoeMergeConfig config = config(PROMPTS.formatted("cheap_embed"));
        MemoryFormat format = new MemoryFormat(true);
        merge(config, models, format, 7, false);
        double[] embedding = models.get("base").values().get("model.embed_tokens.weight");
        for (int e = 0; e < config.experts().size(); e++) {
            MoeMergeConfig.Expert expert = config.experts().get(e);
            double[] expected = unit(embeddingSum(embedding, expert.positivePrompts()));
            if (!expert.negativePrompts().isEmpty()) {
                double[] negative = unit(embeddingSum(embedding, expert.negativePrompts()));
                for (int i = 0; i < HIDDEN; i++) {
                    expected[i] -= negative[i];
                }
            }
            expected = unit(expected);
            for (int l = 0; l < LAYERS; l++) {
                double[] router = format.floats("model.layers." + l + ".block_sparse_moe.gate.weight");
                for (int i = 0; i < HIDDEN; i++) {
                    assertEquals(expected[i], router[e * HIDDEN + i], 1e-6, "expert " + e + " element " + i);
                }
            }
        }
    }

    @Test
    void randomGatesFollowTheSeed() throws Exception {
        Map<String, Generated> models = models();
        MoeMergeConfig random = config(PROMPTS.formatted("random"));
        MemoryFormat first = new MemoryFormat(false);
        MemoryFormat again = new MemoryFormat(false);
        MemoryFormat other = new MemoryFormat(false);
        merge(random, models, first, 7, false);
        merge(random, models, again, 7, false);
        merge(random, models, other, 8, false);
        String router = "model.layers.1.block_sparse_moe.gate.weight";
        assertEquals(java.util.Arrays.toString(first.floats(router)), java.util.Arrays.toString(again.floats(router)));
        assertNotEquals(java.util.Arrays.toString(first.floats(router)),
                java.util.Arrays.toString(other.floats(router)));
        MemoryFormat uniform = new MemoryFormat(false);
        merge(config(PROMPTS.formatted("uniform_random")), models, uniform, 7, false);
        double bound = Math.sqrt(1.0 / HIDDEN);
        for (double v : uniform.floats(router)) {
            assertTrue(Math.abs(v) <= bound, v + " within ±" + bound);
        }
    }

    @Test
    void theOutputIsAMixtralCheckpointThatTheEngineRuns() throws Exception {
        Map<String, Generated> models = models();
        MoeMergeConfig config = config(PROMPTS.formatted("hidden").replace("  - source_model: story",
                "  - source_model: story\n    residual_scale: 0.5\n    noise_scale: 0.01"));
        MemoryFormat format = new MemoryFormat(false);
        MoeMerge.Result result = merge(config, models, format, 7, false);
        Map<String, Object> raw = format.options.config().raw();
        assertEquals(List.of("MixtralForCausalLM"), raw.get("architectures"));
        assertEquals("mixtral", raw.get("model_type"));
        assertEquals(3, raw.get("num_local_experts"));
        assertEquals(2, raw.get("num_experts_per_tok"));
        assertTrue(raw.containsKey("sliding_window") && raw.get("sliding_window") == null);
        assertEquals("float32", raw.get("torch_dtype"));
        assertEquals(List.of("mergekit_moe_config.yml", "README.md"), format.sideFileNames);
        assertEquals(config.source(), format.sideFileTexts.get("mergekit_moe_config.yml"));
        assertTrue(format.sideFileTexts.get("README.md").contains("- expert 2: `math`"));
        assertEquals(3 + 6 * LAYERS + 3 * 3 * LAYERS + LAYERS, result.tensors());
        // w1/w2/w3 are gate_proj/down_proj/up_proj of each expert; residual_scale scales down_proj only.
        for (int l = 0; l < LAYERS; l++) {
            String x = "model.layers." + l + ".block_sparse_moe.experts.";
            String m = "model.layers." + l + ".mlp.";
            assertEquals(java.util.Arrays.toString(models.get("code").values().get(m + "gate_proj.weight")),
                    java.util.Arrays.toString(format.floats(x + "0.w1.weight")));
            assertEquals(java.util.Arrays.toString(models.get("math").values().get(m + "down_proj.weight")),
                    java.util.Arrays.toString(format.floats(x + "2.w2.weight")));
            assertEquals(java.util.Arrays.toString(models.get("math").values().get(m + "up_proj.weight")),
                    java.util.Arrays.toString(format.floats(x + "2.w3.weight")));
            double[] down = models.get("story").values().get(m + "down_proj.weight");
            double[] scaled = format.floats(x + "1.w2.weight");
            double[] gate = models.get("story").values().get(m + "gate_proj.weight");
            double[] noisy = format.floats(x + "1.w1.weight");
            double squares = 0;
            for (int i = 0; i < gate.length; i++) {
                squares += (noisy[i] - gate[i]) * (noisy[i] - gate[i]);
            }
            double deviation = Math.sqrt(squares / gate.length);
            assertTrue(deviation > 0.008 && deviation < 0.012, "noise_scale 0.01: deviation " + deviation);
            double residual = 0;
            for (int i = 0; i < down.length; i++) {
                residual = Math.max(residual, Math.abs(scaled[i] - 0.5 * down[i]));
            }
            assertTrue(residual < 0.03, "residual_scale 0.5 with noise 0.01: " + residual);
        }
        String attention = "model.layers.1.self_attn.q_proj.weight";
        assertEquals(java.util.Arrays.toString(models.get("base").values().get(attention)),
                java.util.Arrays.toString(format.floats(attention)));
        try (LanguageModel lm = ENGINE.load(format.model()); InferenceSession session = lm.newSession()) {
            float[] logits = session.append(CHARACTERS.encode("<s>import os", false));
            assertEquals(VOCAB, logits.length);
            for (float z : logits) {
                assertTrue(Float.isFinite(z));
            }
        }
    }

    @Test
    void identicalExpertsGiveTheBaseModelsLogits() throws Exception {
        // The routing weights of a token sum to 1, so experts that are all the base's MLP compute the base: this
        // checks the tensor names, the expert wiring and the engine's routing together.
        Map<String, Generated> models = models();
        Map<String, Generated> same = new LinkedHashMap<>();
        same.put("base", models.get("base"));
        same.put("code", models.get("base"));
        same.put("story", models.get("base"));
        same.put("math", models.get("base"));
        MemoryFormat format = new MemoryFormat(false);
        merge(config(PROMPTS.formatted("hidden").replace("source_model: code", "source_model: base")
                .replace("source_model: story", "source_model: base").replace("source_model: math",
                        "source_model: base")), same, format, 7, true);
        int[] tokens = CHARACTERS.encode("<s>the dragon slept over the code", false);
        try (LanguageModel moe = ENGINE.load(format.model()); LanguageModel base = ENGINE.load(
                models.get("base").model())) {
            double[] expected = base.tokenLogProbabilities(tokens);
            double[] actual = moe.tokenLogProbabilities(tokens);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4, "token " + i);
            }
        }
    }

    @Test
    void qwenMoeHasASharedExpertWithItsOwnGate() throws Exception {
        Map<String, Generated> models = models();
        MoeMergeConfig config = config(PROMPTS.formatted("hidden") + """
                shared_experts:
                  - source_model: story
                    positive_prompts: ["the end", "2 + 2 = 4"]
                    residual_scale: 0.25
                """);
        MemoryFormat format = new MemoryFormat(false);
        MoeMerge.Result result = merge(config, models, format, 7, false);
        assertEquals("Qwen MoE", result.architecture().displayName(), "no architecture given: Qwen, as mergekit");
        Map<String, Object> raw = format.options.config().raw();
        assertEquals(List.of("Qwen2MoeForCausalLM"), raw.get("architectures"));
        assertEquals("qwen2_moe", raw.get("model_type"));
        assertEquals(3, raw.get("num_experts"));
        assertEquals(INTERMEDIATE, raw.get("shared_expert_intermediate_size"));
        assertEquals(INTERMEDIATE, raw.get("moe_intermediate_size"));
        assertEquals(true, raw.get("norm_topk_prob"));
        String p = "model.layers.1.mlp.";
        assertEquals(java.util.Arrays.toString(models.get("math").values().get(p + "down_proj.weight")),
                java.util.Arrays.toString(format.floats("model.layers.1.mlp.experts.2.down_proj.weight")));
        double[] down = models.get("story").values().get(p + "down_proj.weight");
        double[] shared = format.floats(p + "shared_expert.down_proj.weight");
        for (int i = 0; i < down.length; i++) {
            assertEquals((float) (0.25 * down[i]), shared[i], 0.0, "residual_scale on the shared expert");
        }
        assertEquals(32 * 4, format.written.get("model.layers.0.self_attn.q_proj.bias").byteSize());
        assertEquals(16 * 4, format.written.get("model.layers.0.self_attn.k_proj.bias").byteSize());
        for (double b : format.floats("model.layers.0.self_attn.v_proj.bias")) {
            assertEquals(0.0, b);
        }
        ReferenceForward reference = new ReferenceForward(models.get("base").values());
        double[] sharedGate = format.floats(p + "shared_expert_gate.weight");
        double[] expected = unit(reference.promptVector(List.of("the end", "2 + 2 = 4"), 1, true));
        assertEquals(HIDDEN, sharedGate.length);
        for (int i = 0; i < HIDDEN; i++) {
            assertEquals(expected[i], sharedGate[i], 2e-5, "shared gate element " + i);
        }
        assertEquals(3 * HIDDEN, format.floats(p + "gate.weight").length);
    }

    @Test
    void deepseekMoeHasAnUngatedSharedExpert() throws Exception {
        Map<String, Generated> models = models();
        MoeMergeConfig config = config(PROMPTS.formatted("hidden") + """
                shared_experts:
                  - source_model: story
                """);
        MemoryFormat format = new MemoryFormat(true);
        MoeMerge.Result result = merge(config, models, format, 7, false);
        assertEquals("DeepSeek MoE", result.architecture().displayName());
        Map<String, Object> raw = format.options.config().raw();
        assertEquals(List.of("DeepseekForCausalLM"), raw.get("architectures"));
        assertEquals("deepseek", raw.get("model_type"));
        assertEquals(3, raw.get("n_routed_experts"));
        assertEquals(1, raw.get("n_shared_experts"));
        assertEquals("softmax", raw.get("scoring_func"));
        assertEquals(0, raw.get("first_k_dense_replace"));
        assertTrue(raw.get("auto_map") instanceof Map<?, ?>);
        assertEquals(java.util.Arrays.toString(models.get("story").values().get("model.layers.0.mlp.up_proj.weight")),
                java.util.Arrays.toString(format.floats("model.layers.0.mlp.shared_experts.up_proj.weight")));
        assertTrue(format.written.containsKey("model.layers.0.mlp.experts.0.gate_proj.weight"));
        assertFalse(format.written.containsKey("model.layers.0.mlp.shared_expert_gate.weight"));
        assertFalse(format.written.containsKey("model.layers.0.self_attn.q_proj.bias"));
        assertEquals(3 * HIDDEN, format.floats("model.layers.0.mlp.gate.weight").length);
    }

    @Test
    void configurationsMergekitRefusesAreOneLine() throws Exception {
        Map<String, Generated> models = models();
        EvomergeException same = assertThrows(EvomergeException.class, () -> merge(config(
                PROMPTS.formatted("hidden").replace("source_model: code", "source_model: base")
                        .replace("source_model: story", "source_model: base").replace("source_model: math",
                                "source_model: base")), models, new MemoryFormat(false), 7, false));
        assertEquals(ErrorCategory.CONFIGURATION, same.category());
        assertTrue(same.getMessage().contains("--i-understand-this-is-not-useful-without-training"),
                same.getMessage());
        EvomergeException qwen = assertThrows(EvomergeException.class, () -> merge(config(
                PROMPTS.formatted("hidden") + "architecture: qwen\n"), models, new MemoryFormat(false), 7, false));
        assertTrue(qwen.getMessage().contains("Qwen MoE requires exactly one shared expert"), qwen.getMessage());
        EvomergeException tooMany = assertThrows(EvomergeException.class, () -> merge(config(
                PROMPTS.formatted("hidden") + "experts_per_token: 4\n"), models, new MemoryFormat(false), 7, false));
        assertTrue(tooMany.getMessage().endsWith("'experts' must hold at least experts_per_token (4) experts"),
                tooMany.getMessage());
        EvomergeException typo = assertThrows(EvomergeException.class,
                () -> config(PROMPTS.formatted("hidden") + "experts_per_tokn: 1\n"));
        assertEquals(temp.resolve("moe.yml") + ": unknown key 'experts_per_tokn' (did you mean 'experts_per_token'?)",
                typo.getMessage());
        EvomergeException mode = assertThrows(EvomergeException.class,
                () -> config(PROMPTS.formatted("hiden")));
        assertTrue(mode.getMessage().contains("'gate_mode': 'hiden' is not one of"), mode.getMessage());
        for (EvomergeException e : List.of(same, qwen, tooMany, typo, mode)) {
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    private static double[] embeddingSum(double[] embedding, List<String> prompts) {
        double[] sum = new double[HIDDEN];
        for (String prompt : prompts) {
            for (int token : CHARACTERS.encode("<s>" + prompt, false)) {
                for (int i = 0; i < HIDDEN; i++) {
                    sum[i] += embedding[token * HIDDEN + i];
                }
            }
        }
        return sum;
    }

    private static double[] unit(double[] v) {
        double squares = 0;
        for (double x : v) {
            squares += x * x;
        }
        double norm = Math.max(Math.sqrt(squares), 1e-8);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / norm;
        }
        return out;
    }

    /**
     * A plain float64 Llama forward pass over this test's generated weights, as transformers' {@code LlamaModel}
     * computes it, keeping every layer's input ({@code hidden_states[:-1]}).
     */
    private record ReferenceForward(Map<String, double[]> w) {

        /** The prompts' mean of the last token's (or the token-mean) input to layer {@code layer}. */
        double[] promptVector(List<String> prompts, int layer, boolean last) {
            double[] sum = new double[HIDDEN];
            for (String prompt : prompts) {
                double[][] inputs = layerInputs(CHARACTERS.encode("<s>" + prompt, false))[layer];
                for (int t = last ? inputs.length - 1 : 0; t < inputs.length; t++) {
                    for (int i = 0; i < HIDDEN; i++) {
                        sum[i] += inputs[t][i] / (last ? 1 : inputs.length);
                    }
                }
            }
            for (int i = 0; i < HIDDEN; i++) {
                sum[i] /= prompts.size();
            }
            return sum;
        }

        double[][][] layerInputs(int[] tokens) {
            int n = tokens.length;
            int hd = HIDDEN / HEADS;
            double[][] x = new double[n][HIDDEN];
            for (int t = 0; t < n; t++) {
                System.arraycopy(w.get("model.embed_tokens.weight"), tokens[t] * HIDDEN, x[t], 0, HIDDEN);
            }
            double[][][] inputs = new double[LAYERS][][];
            for (int l = 0; l < LAYERS; l++) {
                String p = "model.layers." + l + ".";
                inputs[l] = new double[n][];
                for (int t = 0; t < n; t++) {
                    inputs[l][t] = x[t].clone();
                }
                double[][] q = new double[n][];
                double[][] k = new double[n][];
                double[][] v = new double[n][];
                for (int t = 0; t < n; t++) {
                    double[] xn = rmsNorm(x[t], w.get(p + "input_layernorm.weight"));
                    q[t] = rope(linear(p + "self_attn.q_proj.weight", xn), HEADS, t, hd);
                    k[t] = rope(linear(p + "self_attn.k_proj.weight", xn), KV_HEADS, t, hd);
                    v[t] = linear(p + "self_attn.v_proj.weight", xn);
                }
                for (int t = 0; t < n; t++) {
                    double[] attention = new double[HIDDEN];
                    for (int h = 0; h < HEADS; h++) {
                        int g = h / (HEADS / KV_HEADS);
                        double[] scores = new double[t + 1];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int s = 0; s <= t; s++) {
                            for (int d = 0; d < hd; d++) {
                                scores[s] += q[t][h * hd + d] * k[s][g * hd + d];
                            }
                            scores[s] /= Math.sqrt(hd);
                            max = Math.max(max, scores[s]);
                        }
                        double total = 0;
                        for (int s = 0; s <= t; s++) {
                            scores[s] = Math.exp(scores[s] - max);
                            total += scores[s];
                        }
                        for (int s = 0; s <= t; s++) {
                            for (int d = 0; d < hd; d++) {
                                attention[h * hd + d] += scores[s] / total * v[s][g * hd + d];
                            }
                        }
                    }
                    double[] o = linear(p + "self_attn.o_proj.weight", attention);
                    for (int i = 0; i < HIDDEN; i++) {
                        x[t][i] += o[i];
                    }
                    double[] xn = rmsNorm(x[t], w.get(p + "post_attention_layernorm.weight"));
                    double[] gate = linear(p + "mlp.gate_proj.weight", xn);
                    double[] up = linear(p + "mlp.up_proj.weight", xn);
                    for (int i = 0; i < gate.length; i++) {
                        gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                    }
                    double[] down = linear(p + "mlp.down_proj.weight", gate);
                    for (int i = 0; i < HIDDEN; i++) {
                        x[t][i] += down[i];
                    }
                }
            }
            return inputs;
        }

        private double[] linear(String name, double[] input) {
            double[] weight = w.get(name);
            double[] out = new double[weight.length / input.length];
            for (int o = 0; o < out.length; o++) {
                for (int i = 0; i < input.length; i++) {
                    out[o] += weight[o * input.length + i] * input[i];
                }
            }
            return out;
        }

        private static double[] rmsNorm(double[] x, double[] weight) {
            double squares = 0;
            for (double value : x) {
                squares += value * value;
            }
            double scale = 1 / Math.sqrt(squares / x.length + 1e-5);
            double[] out = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                out[i] = weight[i] * x[i] * scale;
            }
            return out;
        }

        /** transformers' {@code rotate_half} rotary embedding, theta 10000. */
        private static double[] rope(double[] x, int heads, int position, int hd) {
            double[] out = x.clone();
            for (int h = 0; h < heads; h++) {
                for (int d = 0; d < hd; d++) {
                    double angle = position / Math.pow(10000, 2.0 * (d % (hd / 2)) / hd);
                    double rotated = d < hd / 2 ? -x[h * hd + d + hd / 2] : x[h * hd + d - hd / 2];
                    out[h * hd + d] = x[h * hd + d] * Math.cos(angle) + rotated * Math.sin(angle);
                }
            }
            return out;
        }
    }
}
