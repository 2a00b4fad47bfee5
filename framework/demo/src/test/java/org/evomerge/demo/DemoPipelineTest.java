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
import org.evomerge.engine.compute.ReferenceBackend;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.plugins.safetensors.SafetensorsFormatFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's first steps with a short schedule, written by the real safetensors writer. */
class DemoPipelineTest {

    private static final DemoPipeline.Schedule SHORT = new DemoPipeline.Schedule(6, 3e-3, 3, 1e-3, 8, 4);

    private static ModelFormat safetensors() {
        SafetensorsFormatFactory factory = new SafetensorsFormatFactory();
        return factory.create(ParameterValidator.validate(factory.descriptor(), Map.of()),
                new DefaultRunContext(new SeededRandomSource(1), new ReferenceBackend(),
                        org.evomerge.api.context.ProgressReporter.SILENT, ScratchDirectory.create(null, false), 1,
                        Map.of()));
    }

    @Test
    void writesDataTokenizerAndThreeHuggingFaceModelsTheSameForAnyThreadCount(@TempDir Path dir) throws IOException {
        ModelFormat format = safetensors();
        DemoReport one = new DemoPipeline(new DemoPipeline.Options(dir.resolve("a"), 9, 1, format, SHORT, null)).run();
        DemoReport two = new DemoPipeline(new DemoPipeline.Options(dir.resolve("b"), 9, 2, format, SHORT, null)).run();
        assertEquals(List.of("base", "expert-arithmetic", "expert-language"),
                one.models().stream().map(DemoReport.ModelResult::name).toList());
        for (String task : List.of("corpus", "arithmetic", "language", "composed")) {
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
        for (int m = 0; m < 3; m++) {
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
            }
        }
        assertTrue(one.seconds().keySet().containsAll(List.of("data", "pretrain", "expert-arithmetic",
                "expert-language", "score", "total")));
    }
}
