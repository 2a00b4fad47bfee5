package org.evomerge.engine.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.architecture.ArchitectureDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Extraction from a fine-tune whose deltas are known: low-rank ones (given back exactly, up to float rounding), one of
 * known singular values (given back to the Eckart-Young error), and tensors PEFT saves whole; then the adapter applied
 * to the base through {@link LoraAdaptedModel}.
 */
class LoraExtractionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String L0 = "model.layers.0.";
    private static final double[] O_SPECTRUM = {3, 2, 1, 0.5, 0.25, 0.1};

    @TempDir
    Path temp;

    private final Map<String, float[]> base = new LinkedHashMap<>();
    private final Map<String, float[]> tuned = new LinkedHashMap<>();
    private final Map<String, Shape> shapes = new LinkedHashMap<>();

    LoraExtractionTest() {
        Random random = new Random(5);
        add("model.embed_tokens.weight", Shape.of(10, 6), random, null);
        add(L0 + "input_layernorm.weight", Shape.of(6), random, null);
        add(L0 + "self_attn.q_proj.weight", Shape.of(6, 6), random, lowRank(6, 6, 2, random));
        add(L0 + "self_attn.q_proj.bias", Shape.of(6), random, null);
        add(L0 + "self_attn.o_proj.weight", Shape.of(6, 6), random,
                toFloats(TruncatedSvdTest.withSingularValues(6, 6, O_SPECTRUM, 9)));
        add(L0 + "mlp.up_proj.weight", Shape.of(12, 6), random, lowRank(12, 6, 1, random));
        add("model.norm.weight", Shape.of(6), random, null);
        add("lm_head.weight", Shape.of(10, 6), random, null);
    }

    /** A base tensor, and the fine-tune's: base + {@code delta}, or base + noise when no delta is given. */
    private void add(String name, Shape shape, Random random, float[] delta) {
        int n = (int) shape.elementCount();
        float[] b = new float[n];
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            b[i] = (float) random.nextGaussian();
            t[i] = b[i] + (delta != null ? delta[i] : (float) (0.1 * random.nextGaussian()));
        }
        base.put(name, b);
        tuned.put(name, t);
        shapes.put(name, shape);
    }

    private static float[] lowRank(int rows, int cols, int rank, Random random) {
        double[][] l = new double[rows][rank];
        double[][] r = new double[rank][cols];
        for (double[] row : l) {
            for (int k = 0; k < rank; k++) {
                row[k] = random.nextGaussian();
            }
        }
        for (double[] row : r) {
            for (int j = 0; j < cols; j++) {
                row[j] = random.nextGaussian();
            }
        }
        float[] m = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = 0;
                for (int k = 0; k < rank; k++) {
                    v += l[i][k] * r[k][j];
                }
                m[i * cols + j] = (float) (0.1 * v);
            }
        }
        return m;
    }

    private static float[] toFloats(DMatrixRMaj m) {
        float[] f = new float[m.data.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) m.data[i];
        }
        return f;
    }

    private Model model(Map<String, float[]> values) {
        List<InMemoryTensor> tensors = new ArrayList<>();
        values.forEach((name, v) -> tensors.add(InMemoryTensor.ofFloats(name, shapes.get(name), v)));
        return InMemoryModel.of(ModelConfig.empty(), tensors);
    }

    private static ArchitectureDescription llama() {
        return ArchitectureCatalog.load(List.of()).findOrGeneric(ModelConfig.of(Map.of("architectures",
                List.of("LlamaForCausalLM"), "num_hidden_layers", 1)));
    }

    private static LoraExtraction.Options options(int rank) {
        return new LoraExtraction.Options(rank, 0, List.of(), List.of(), false, List.of(), false, true,
                LoraExtraction.SvdMethod.AUTO, 1);
    }

    private LoraExtraction.Result extract(LoraExtraction.Options options, Path out) {
        try (Model ft = model(tuned); Model b = model(base)) {
            return LoraExtraction.run(ft, b, llama(), new SafetensorsTestFormat(), options, out, "base", "# card\n",
                    r -> { });
        }
    }

    private Model applied(Path adapter) {
        return LoraAdaptedModel.of(model(base), LoraAdapter.open(adapter, new SafetensorsTestFormat()::open));
    }

    private static double relativeDistance(float[] a, float[] b, float[] reference) {
        double d = 0;
        double n = 0;
        for (int i = 0; i < a.length; i++) {
            d += (double) (a[i] - b[i]) * (a[i] - b[i]);
            n += (double) (reference[i]) * reference[i];
        }
        return Math.sqrt(d / n);
    }

    private float[] delta(String name, float[] values) {
        float[] d = values.clone();
        for (int i = 0; i < d.length; i++) {
            d[i] -= base.get(name)[i];
        }
        return d;
    }

    @Test
    void extractingThenApplyingGivesTheFineTuneBackToTheTruncationError() throws IOException {
        Path out = temp.resolve("adapter");
        LoraExtraction.Result result = extract(options(2), out);
        assertEquals(2, result.rank());
        Map<String, LoraExtraction.ModuleResult> byModule = new LinkedHashMap<>();
        result.modules().forEach(m -> byModule.put(m.module(), m));
        assertEquals(List.of("model.embed_tokens", L0 + "input_layernorm", L0 + "self_attn.q_proj",
                L0 + "self_attn.o_proj", L0 + "mlp.up_proj", "model.norm", "lm_head"), List.copyOf(byModule.keySet()));
        assertEquals("save", byModule.get("model.embed_tokens").kind());
        assertEquals("save", byModule.get("lm_head").kind());
        assertEquals("save", byModule.get(L0 + "input_layernorm").kind());
        // As mergekit: without --sv-epsilon the rank is --max-rank even where the delta's true rank (1) is lower.
        assertEquals(2, byModule.get(L0 + "mlp.up_proj").rank());
        assertTrue(byModule.get(L0 + "mlp.up_proj").relativeError() < 1e-6);
        double expected = TruncatedSvdTest.eckartYoung(O_SPECTRUM, 2);
        assertEquals(expected, byModule.get(L0 + "self_attn.o_proj").relativeError(), 1e-6);
        assertTrue(byModule.get(L0 + "self_attn.q_proj").relativeError() < 1e-6);

        try (Model applied = applied(out)) {
            for (String name : tuned.keySet()) {
                float[] got = LoraAdaptedModelTest.floats(applied.tensors().tensor(name));
                float[] want = tuned.get(name);
                if (name.equals(L0 + "self_attn.o_proj.weight")) {
                    assertEquals(expected, relativeDistance(delta(name, got), delta(name, want), delta(name, want)),
                            1e-6, name);
                } else if (name.contains("proj")) {
                    assertArrayEquals(want, got, 1e-5f, name);
                } else {
                    assertArrayEquals(want, got, name + " saved whole");
                }
            }
        }
    }

    @Test
    void theAdapterIsLaidOutAsPeftWritesIt() throws IOException {
        Path out = temp.resolve("adapter");
        // sv-epsilon drops up_proj's float-rounding second singular value: rank 1, named in rank_pattern
        extract(new LoraExtraction.Options(2, 1e-4, List.of(), List.of(), false, List.of(), false, true,
                LoraExtraction.SvdMethod.AUTO, 1), out);
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("README.md", "adapter_config.json", "adapter_model.safetensors"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        JsonNode header = SafetensorsTestFormat.header(out.resolve(LoraAdapter.WEIGHTS_FILE));
        Map<String, String> shapes = new LinkedHashMap<>();
        header.fields().forEachRemaining(e -> shapes.put(e.getKey(), e.getValue().get("shape").toString()));
        String p = "base_model.model.";
        assertEquals(Map.of(
                p + "model.embed_tokens.weight", "[10,6]",
                p + L0 + "input_layernorm.weight", "[6]",
                p + L0 + "self_attn.q_proj.lora_A.weight", "[2,6]",
                p + L0 + "self_attn.q_proj.lora_B.weight", "[6,2]",
                p + L0 + "self_attn.q_proj.lora_B.bias", "[6]",
                p + L0 + "self_attn.o_proj.lora_A.weight", "[2,6]",
                p + L0 + "self_attn.o_proj.lora_B.weight", "[6,2]",
                p + L0 + "mlp.up_proj.lora_A.weight", "[1,6]",
                p + L0 + "mlp.up_proj.lora_B.weight", "[12,1]",
                p + "model.norm.weight", "[6]"), withoutLmHead(shapes));
        assertEquals("[10,6]", shapes.get(p + "lm_head.weight"));
        JsonNode config = JSON.readTree(out.resolve(LoraAdapter.CONFIG_FILE).toFile());
        assertEquals("LORA", config.get("peft_type").asText());
        assertEquals(2, config.get("r").asInt());
        assertEquals(2, config.get("lora_alpha").asInt(), "mergekit's alpha = r: PEFT's scale alpha / r is 1");
        assertEquals("base", config.get("base_model_name_or_path").asText());
        assertEquals("[\"o_proj\",\"q_proj\",\"up_proj\"]", config.get("target_modules").toString());
        assertEquals("[\"embed_tokens\",\"input_layernorm\",\"norm\",\"lm_head\"]",
                config.get("modules_to_save").toString());
        assertEquals("{\"" + L0 + "mlp.up_proj\":1}", config.get("rank_pattern").toString());
        assertEquals(config.get("rank_pattern"), config.get("alpha_pattern"));
        assertFalse(config.get("use_rslora").asBoolean());
    }

    private static Map<String, String> withoutLmHead(Map<String, String> shapes) {
        Map<String, String> copy = new LinkedHashMap<>(shapes);
        copy.remove("base_model.model.lm_head.weight");
        return copy;
    }

    @Test
    void embedLoraDecomposesEmbeddingsTransposedAndTheHeadAsALinear() throws IOException {
        Path out = temp.resolve("adapter");
        LoraExtraction.Options options = new LoraExtraction.Options(6, 0, List.of(), List.of(), true, List.of(),
                false, true, LoraExtraction.SvdMethod.EXACT, 1);
        extract(options, out);
        JsonNode header = SafetensorsTestFormat.header(out.resolve(LoraAdapter.WEIGHTS_FILE));
        assertEquals("[6,10]", header.get("base_model.model.model.embed_tokens.lora_embedding_A").get("shape")
                .toString(), "[r, vocab]");
        assertEquals("[6,6]", header.get("base_model.model.model.embed_tokens.lora_embedding_B").get("shape")
                .toString(), "[dim, r]");
        assertEquals("[6,6]", header.get("base_model.model.lm_head.lora_A.weight").get("shape").toString());
        try (Model applied = applied(out)) {
            for (String name : List.of("model.embed_tokens.weight", "lm_head.weight")) {
                assertArrayEquals(tuned.get(name), LoraAdaptedModelTest.floats(applied.tensors().tensor(name)), 1e-5f,
                        name + ": full rank gives it back");
            }
        }
    }

    @Test
    void regexesSaveModuleAndSkipUndecomposablePickTheModules() throws IOException {
        LoraExtraction.Options include = new LoraExtraction.Options(2, 0, List.of("self_attn"), List.of(), false,
                List.of(), false, true, LoraExtraction.SvdMethod.AUTO, 1);
        assertEquals(List.of("model.embed_tokens", L0 + "self_attn.q_proj", L0 + "self_attn.o_proj", "lm_head"),
                extract(include, temp.resolve("a")).modules().stream().map(LoraExtraction.ModuleResult::module)
                        .toList(), "embeddings go to modules_to_save whatever the regexes include");
        LoraExtraction.Options exclude = new LoraExtraction.Options(2, 0, List.of(), List.of("proj", "embed"), false,
                List.of("q_proj"), true, true, LoraExtraction.SvdMethod.AUTO, 1);
        List<String> kinds = extract(exclude, temp.resolve("b")).modules().stream()
                .map(m -> m.module() + ":" + m.kind()).toList();
        assertEquals(List.of(L0 + "self_attn.q_proj:save", "lm_head:save"), kinds,
                "q_proj saved by --save-module, the rest excluded, 1-D modules skipped");
    }

    @Test
    void svEpsilonLowersTheRankPerModule() {
        LoraExtraction.Options options = new LoraExtraction.Options(6, 0.9, List.of(), List.of(), false, List.of(),
                true, true, LoraExtraction.SvdMethod.EXACT, 1);
        LoraExtraction.Result result = extract(options, temp.resolve("adapter"));
        LoraExtraction.ModuleResult o = result.modules().stream()
                .filter(m -> m.module().equals(L0 + "self_attn.o_proj")).findFirst().orElseThrow();
        assertEquals(3, o.rank(), "3, 2 and 1 are above 0.9");
        assertEquals(TruncatedSvdTest.eckartYoung(O_SPECTRUM, 3), o.relativeError(), 1e-6);
    }

    @Test
    void aNonFiniteWeightIsNamedAndNothingIsWritten() {
        tuned.get(L0 + "self_attn.o_proj.weight")[7] = Float.NaN;
        EvomergeException e = assertThrows(EvomergeException.class, () -> extract(options(2), temp.resolve("out")));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertEquals("the fine-tuned model: tensor '" + L0 + "self_attn.o_proj.weight' minus the base model's is not"
                + " finite at element 7 (NaN or infinity in either model)", e.getMessage());
        assertFalse(Files.exists(temp.resolve("out")));
    }

    @Test
    void aNonEmptyOutputFolderIsRefusedAndLeftAsItWas() throws IOException {
        Path out = Files.createDirectories(temp.resolve("adapter"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        EvomergeException e = assertThrows(EvomergeException.class, () -> extract(options(2), out));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        try (Stream<Path> files = Files.list(temp)) {
            assertEquals(List.of("adapter"), files.map(f -> f.getFileName().toString()).toList());
        }
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
    }
}
