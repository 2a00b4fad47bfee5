package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code evomerge demo}, run as a user runs it: models that the other commands accept, experts that learned. */
class DemoIT {

    @TempDir
    Path temp;

    @Test
    void demoBuildsDataAndModelsThatInspectReadsAndExpertsBeatTheBaseOnTheirSkill() throws IOException {
        Path user = temp.resolve("user");
        Map<String, String> env = Map.of("HOME", user.toString(),
                "XDG_CONFIG_HOME", user.resolve(".config").toString(),
                "XDG_CACHE_HOME", user.resolve(".cache").toString());
        List<String> command = new ArrayList<>(List.of(Distributions.built().resolve("bin/evomerge").toString(),
                "demo", "--out", "demo", "--json", "--quiet"));
        Processes.Result result = Processes.run(temp, env, 1200, command);
        assertEquals(0, result.exitCode(), result.toString());
        JsonNode doc = new ObjectMapper().readTree(result.out());
        JsonNode models = doc.get("models");
        assertEquals(3, models.size(), result.out());
        for (JsonNode model : models) {
            Path folder = Path.of(model.get("path").asText());
            assertTrue(Files.isRegularFile(folder.resolve("model.safetensors")), folder.toString());
            assertTrue(Files.isRegularFile(folder.resolve("tokenizer.json")), folder.toString());
            Processes.Result inspect = Distributions.evomerge(Distributions.built(), temp, user, "inspect",
                    folder.toString(), "--json", "--no-tensors");
            assertEquals(0, inspect.exitCode(), inspect.toString());
            assertTrue(inspect.out().contains("LlamaForCausalLM"), inspect.out());
        }
        double baseArithmetic = dev(models.get(0), "arithmetic");
        double baseLanguage = dev(models.get(0), "language");
        assertTrue(dev(models.get(1), "arithmetic") > baseArithmetic + 0.3, result.out());
        assertTrue(dev(models.get(2), "language") > baseLanguage + 0.3, result.out());
        for (String split : List.of("train", "dev", "test")) {
            assertTrue(Files.size(temp.resolve("demo/data/composed-" + split + ".jsonl")) > 0);
        }
    }

    private static double dev(JsonNode model, String task) {
        return model.get("scores").get(task).get("dev").asDouble();
    }
}
