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
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mergekit-evolve configuration written as mergekit's docs/evolve.md writes one, run unchanged by
 * {@code evomerge evolve} with mergekit-evolve's options, on the shared small Llama checkpoints (the base model named
 * {@code org/name} and found in a Hugging Face hub cache laid out as huggingface_hub lays it out) and an
 * lm-evaluation-harness task of {@code --task-search-path} with its data in a local JSONL file: the genome has
 * mergekit-evolve's size, {@code --max-fevals} evaluations are journaled, and {@code best_config.yaml} is a recipe
 * {@code evomerge merge} runs.
 */
class MergekitEvolveIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path temp;

    private Processes.Result evomerge(String... args) {
        Path user = temp.resolve("user");
        List<String> command = new ArrayList<>();
        command.add(Distributions.built().resolve("bin/evomerge").toString());
        command.addAll(List.of(args));
        return Processes.run(temp, Map.of("HOME", user.toString(), "XDG_CONFIG_HOME",
                user.resolve(".config").toString(), "XDG_CACHE_HOME", user.resolve(".cache").toString()), 600,
                command);
    }

    private static void copyModel(String name, Path to) throws IOException {
        Path shared = Path.of(System.getProperty("evomerge.shared"), "mergekit-cases", "models", "f32", name);
        Assumptions.assumeTrue(Files.isDirectory(shared), "shared reference models not present");
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(shared)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
        LmEvalIT.writeCharacterTokenizer(to);
    }

    @Test
    void aMergekitEvolveConfigRunsUnchangedAndItsBestConfigMerges() throws IOException {
        copyModel("ft1", temp.resolve("models/ft1"));
        copyModel("ft2", temp.resolve("models/ft2"));
        // the base model only in the hub cache: $XDG_CACHE_HOME/huggingface/hub, refs/main -> snapshots/COMMIT
        Path repository = temp.resolve("user/.cache/huggingface/hub/models--tiny-org--tiny-base");
        copyModel("base", repository.resolve("snapshots").resolve(COMMIT));
        Files.createDirectories(repository.resolve("refs"));
        Files.writeString(repository.resolve("refs/main"), COMMIT);

        Path tasks = Files.createDirectories(temp.resolve("tasks"));
        Files.writeString(tasks.resolve("hot_cold.jsonl"), """
                {"question": "Which is hot?", "choices": ["ice", "fire", "snow"], "label": 1}
                {"question": "What is 2+2?", "choices": ["4", "five", "22"], "label": 0}
                {"question": "Sky colour?", "choices": ["green", "red", "blue"], "label": 2}
                {"question": "Cats say?", "choices": ["meow", "moo"], "label": 0}
                """);
        Files.writeString(tasks.resolve("hot_cold.yaml"), """
                task: hot_cold
                dataset_path: json
                dataset_kwargs:
                  data_files:
                    test: hot_cold.jsonl
                output_type: multiple_choice
                test_split: test
                doc_to_text: "Question: {{question}}\\nAnswer:"
                doc_to_target: label
                doc_to_choice: "{{choices}}"
                metric_list:
                  - metric: acc
                    aggregation: mean
                    higher_is_better: true
                """);
        Files.writeString(temp.resolve("evol.yml"), """
                genome:
                    models:
                      - models/ft1
                      - models/ft2
                    merge_method: ties
                    base_model: tiny-org/tiny-base
                    tokenizer_source: null # optional
                    layer_granularity: 2

                    # optional:
                    normalize: true
                    allow_negative_weights: false
                    smooth: false
                tasks:
                  - name: hot_cold
                    weight: 1.0 # optional
                    metric: "acc,none" # defaults to acc,none
                limit: 3
                apply_chat_template: false
                """);

        Processes.Result run = evomerge("evolve", "evol.yml", "--storage-path", "run", "--task-search-path", "tasks",
                "--max-fevals", "6", "--force-population-size", "3", "--random-seed", "7", "--no-vllm", "--json");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("evomerge: notice: --no-vllm has no effect here"), run.err());
        JsonNode summary = JSON.readTree(run.out());
        assertEquals(6, summary.get("evaluations").asInt(), run.out());
        assertEquals(2, summary.get("generations").asInt(), run.out());

        // mergekit-evolve's genome: 2 layer groups (4 layers / 2) x 2 models x 1 parameter set x [weight, density]
        List<JsonNode> evaluations = new ArrayList<>();
        for (String line : Files.readAllLines(temp.resolve("run/journal.jsonl"))) {
            JsonNode record = JSON.readTree(line);
            if (record.get("type").asText().equals("evaluation")) {
                evaluations.add(record);
            }
        }
        assertEquals(6, evaluations.size());
        assertEquals(8, evaluations.getFirst().get("genome").get("values").size());
        assertTrue(evaluations.getFirst().get("metrics").get("hot_cold").has("acc,none"),
                evaluations.getFirst().toString());

        Path best = temp.resolve("run/best_config.yaml");
        String recipe = Files.readString(best);
        assertTrue(recipe.contains("merge_method: ties") && recipe.contains("dtype: bfloat16")
                && recipe.contains("int8_mask: true") && recipe.contains(COMMIT), recipe);
        Processes.Result merged = evomerge("merge", best.toString(), "merged");
        assertEquals(0, merged.exitCode(), merged.err());
        assertTrue(Files.isRegularFile(temp.resolve("merged/model.safetensors")));
        assertTrue(Files.isDirectory(temp.resolve("run/best")));
    }
}
