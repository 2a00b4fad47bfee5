package org.evomerge.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.plugins.safetensors.SafetensorsFormatFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's first steps with a short schedule, written by the real safetensors writer. */
class DemoPipelineTest {

    private static final DemoPipeline.Schedule SHORT = new DemoPipeline.Schedule(6, 3e-3, 3, 4, 1e-2, 2, 8, 4);

    private static ModelFormat safetensors() {
        SafetensorsFormatFactory factory = new SafetensorsFormatFactory();
        return factory.create(ParameterValidator.validate(factory.descriptor(), Map.of()),
                new DefaultRunContext(new SeededRandomSource(1), new ReferenceBackend(),
                        org.evomerge.api.context.ProgressReporter.SILENT, ScratchDirectory.create(null, false), 1,
                        Map.of()));
    }

    @Test
    void writesDataTokenizerAndFourHuggingFaceModelsTheSameForAnyThreadCount(@TempDir Path dir) throws IOException {
        ModelFormat format = safetensors();
        DemoReport one = new DemoPipeline(new DemoPipeline.Options(dir.resolve("a"), 9, 1, format, SHORT, null)).run();
        DemoReport two = new DemoPipeline(new DemoPipeline.Options(dir.resolve("b"), 9, 2, format, SHORT, null)).run();
        assertEquals(List.of("base", "expert-arithmetic", "expert-language", "expert-reversal"),
                one.models().stream().map(DemoReport.ModelResult::name).toList());
        for (String task : List.of("corpus", "arithmetic", "language", "composed", "reversal")) {
            for (String split : List.of("train", "dev", "test")) {
                Path file = one.data().resolve(task + "-" + split + ".jsonl");
                assertTrue(Files.size(file) > 0, file.toString());
                assertEquals(Files.readString(file), Files.readString(two.data().resolve(file.getFileName())));
            }
        }
        JsonNode first = new ObjectMapper().readTree(Files.readAllLines(one.data().resolve("composed-dev.jsonl"))
                .getFirst());
        assertTrue(first.path("prompt").asText().startsWith("#") && first.has("answer"), first.toString());
        ObjectMapper json = new ObjectMapper();
        for (int m = 0; m < 4; m++) {
            Path folder = one.models().get(m).path();
            for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                    "generation_config.json")) {
                assertTrue(Files.isRegularFile(folder.resolve(file)), folder + "/" + file);
            }
            JsonNode config = json.readTree(folder.resolve("config.json").toFile());
            assertEquals("LlamaForCausalLM", config.path("architectures").get(0).asText());
            assertTrue(config.path("tie_word_embeddings").asBoolean());
            assertEquals(DemoPipeline.KV_HEADS, config.path("num_key_value_heads").asInt());
            assertArrayEquals(Files.readAllBytes(folder.resolve("model.safetensors")),
                    Files.readAllBytes(two.models().get(m).path().resolve("model.safetensors")),
                    "same seed, same weights with 1 and 2 threads: " + folder.getFileName());
            try (Model model = format.open(folder)) {
                assertEquals(2 + 9 * DemoPipeline.LAYERS, model.tensors().tensors().size(), "tied: no lm_head");
                assertEquals(DemoPipeline.LAYERS, model.config().numLayers());
            }
            for (String task : DemoReport.TASKS) {
                DemoReport.Score s = one.models().get(m).scores().get(task);
                assertTrue(s.dev() >= 0 && s.dev() <= 1 && s.test() >= 0 && s.test() <= 1, s.toString());
                // one outcome per scored item (SHORT scores the first 4), and the score is their mean
                assertEquals(SHORT.scoredItems(), s.devItems().size(), s.toString());
                assertEquals(SHORT.scoredItems(), s.testItems().size(), s.toString());
                assertTrue(s.testItems().stream().allMatch(v -> v == 0 || v == 1), s.toString());
                assertEquals(s.test(), s.testItems().stream().mapToDouble(Double::doubleValue).average()
                        .orElseThrow(), 1e-15);
            }
        }
        assertTrue(one.seconds().keySet().containsAll(List.of("data", "pretrain", "expert-arithmetic",
                "expert-language", "expert-reversal", "score", "total")));
    }

    @Test
    void loraExpertsDifferFromTheBaseOnlyInTheirProjectionsByLowRankTaskVectors(@TempDir Path dir) {
        ModelFormat format = safetensors();
        DemoReport report = new DemoPipeline(new DemoPipeline.Options(dir, 5, 1, format, SHORT, null)).run();
        try (Model base = format.open(report.models().get(0).path());
             Model expert = format.open(report.models().get(1).path())) {
            for (var info : base.tensors().tensors()) {
                float[] b = floats(base, info.name());
                float[] e = floats(expert, info.name());
                if (!info.name().endsWith("_proj.weight")) {
                    assertArrayEquals(b, e, info.name() + " is not adapted, so it must be the base's");
                    continue;
                }
                long[] shape = info.shape().dims();
                double[][] delta = new double[(int) shape[0]][(int) shape[1]];
                for (int r = 0; r < shape[0]; r++) {
                    for (int c = 0; c < shape[1]; c++) {
                        delta[r][c] = (double) e[(int) (r * shape[1] + c)] - b[(int) (r * shape[1] + c)];
                    }
                }
                assertTrue(rank(delta) <= SHORT.loraRank(), info.name() + ": task vector of rank " + rank(delta));
            }
        }
    }

    private static float[] floats(Model model, String name) {
        var tensor = model.tensors().tensor(name);
        int count = Math.toIntExact(tensor.info().shape().elementCount());
        float[] values = new float[count];
        java.lang.foreign.MemorySegment.copy(tensor.data(), java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0,
                values, 0, count);
        return values;
    }

    /**
     * Numerical rank by Gaussian elimination with partial pivoting: pivots below 1e-4 of the largest entry count
     * as zero (the delta is a float32 difference of a rank-r product folded into the weights).
     */
    private static int rank(double[][] matrix) {
        double[][] m = new double[matrix.length][];
        double largest = 0;
        for (int r = 0; r < matrix.length; r++) {
            m[r] = matrix[r].clone();
            for (double v : m[r]) {
                largest = Math.max(largest, Math.abs(v));
            }
        }
        double tolerance = 1e-4 * largest;
        int rank = 0;
        for (int c = 0; c < m[0].length && rank < m.length; c++) {
            int pivot = rank;
            for (int r = rank + 1; r < m.length; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) {
                    pivot = r;
                }
            }
            if (Math.abs(m[pivot][c]) <= tolerance) {
                continue;
            }
            double[] swap = m[pivot];
            m[pivot] = m[rank];
            m[rank] = swap;
            for (int r = rank + 1; r < m.length; r++) {
                double f = m[r][c] / m[rank][c];
                for (int k = c; k < m[r].length; k++) {
                    m[r][k] -= f * m[rank][k];
                }
            }
            rank++;
        }
        return rank;
    }
}
