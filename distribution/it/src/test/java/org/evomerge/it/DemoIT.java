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
                "demo", "--out", "demo", "--json", "--quiet", "--evaluations", "3"));
        Processes.Result result = Processes.run(temp, env, 1200, command);
        assertEquals(0, result.exitCode(), result.toString());
        JsonNode doc = new ObjectMapper().readTree(result.out());
        JsonNode models = doc.get("models");
        assertEquals(12, models.size(), result.out());
        List<String> roles = new ArrayList<>();
        for (JsonNode model : models) {
            roles.add(model.get("name").asText() + ":" + model.get("role").asText());
            double combined = 0;
            for (String task : List.of("arithmetic", "language", "composed")) {
                JsonNode score = model.get("scores").get(task);
                for (String split : List.of("dev", "test")) {
                    double value = score.get(split).asDouble();
                    assertTrue(value >= 0 && value <= 1, result.out());
                    // every score with its 95% bootstrap interval over the split's items
                    JsonNode interval = score.get(split + "_interval");
                    assertTrue(interval.get(0).asDouble() <= value && value <= interval.get(1).asDouble(),
                            result.out());
                }
                combined += score.get("test").asDouble() / 3;
            }
            assertEquals(combined, model.get("combined_test").asDouble(), 1e-9, result.out());
        }
        // the paper's rows: each source (the distractor included), the untuned merges, PS, DFS and PS+DFS, then
        // EvoMerge's GA with the fine-tune mutation
        assertEquals(List.of("base:parent", "expert-arithmetic:parent", "expert-language:parent",
                "expert-reversal:parent", "linear:untuned", "ties:untuned", "dare-ties:untuned",
                "frankenmerge:untuned", "ps:evolved", "dfs:evolved", "ps+dfs:evolved", "ga-fine-tune:evolved"),
                roles);
        // the best evolved model (chosen on dev) against every parent and untuned merge on combined test first,
        // then the other evolved models: difference, paired interval, McNemar
        String best = doc.get("best_evolved").asText();
        List<String> against = new ArrayList<>();
        for (JsonNode comparison : doc.get("comparisons")) {
            if (comparison.get("model").asText().equals(best)) {
                against.add(comparison.get("against").asText());
            }
            double difference = comparison.get("difference").asDouble();
            JsonNode interval = comparison.get("interval");
            assertTrue(interval.get(0).asDouble() <= difference && difference <= interval.get(1).asDouble(),
                    result.out());
            double p = comparison.get("mcnemar_p").asDouble();
            assertTrue(p > 0 && p <= 1, result.out());
            assertEquals(interval.get(0).asDouble() > 0, comparison.get("beats").asBoolean(), result.out());
        }
        assertEquals(List.of("base", "expert-arithmetic", "expert-language", "expert-reversal", "linear", "ties",
                "dare-ties", "frankenmerge"), against);
        assertEquals(4 * 8, doc.get("comparisons").size(), result.out());
        // the runs' reports show the evolved models' scores after the run with their intervals, and PS+DFS's
        // report its two stages
        for (String run : List.of("runs/ps-dfs/stages/1-ps", "runs/dfs", "runs/ps-dfs/stages/2-dfs",
                "runs/ga-fine-tune")) {
            assertTrue(Files.isRegularFile(temp.resolve("demo").resolve(run).resolve("best-scores.json")), run);
            assertTrue(Files.readString(temp.resolve("demo").resolve(run).resolve("report.html"))
                    .contains("Scores after the run"), run);
        }
        assertTrue(Files.isRegularFile(temp.resolve("demo/runs/ps-dfs/report.html")));
        assertEquals(temp.resolve("demo/runs/ps-dfs/stages/2-dfs/best").toRealPath(),
                Path.of(models.get(10).get("path").asText()).toRealPath());
        for (String file : List.of("runs/ps-dfs.yml", "runs/dfs.yml", "recipes/linear.yml", "recipes/ties.yml",
                "recipes/dare-ties.yml", "recipes/frankenmerge.yml", "tasks/composed-test.yml",
                "merges/ties/model.safetensors", "merges/frankenmerge/model.safetensors")) {
            assertTrue(Files.isRegularFile(temp.resolve("demo").resolve(file)), file);
        }
        // The files the demo wrote are the commands' own inputs: re-running a step by hand works.
        Processes.Result eval = Distributions.evomerge(Distributions.built(), temp, user, "eval", "--model",
                temp.resolve("demo/merges/linear").toString(), "--task",
                temp.resolve("demo/tasks/arithmetic-dev.yml").toString(), "--json", "--no-cache");
        assertEquals(0, eval.exitCode(), eval.toString());
        assertEquals(models.get(4).get("scores").get("arithmetic").get("dev").asDouble(),
                new ObjectMapper().readTree(eval.out()).get("fitness").asDouble(), 1e-12, eval.out());
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
