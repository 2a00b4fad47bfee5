package org.evomerge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Writes an lm-evaluation-harness {@code multiple_choice} task in lm-eval's own YAML format, with its data in a local
 * JSONL file, from the demo's dev and test sets (arithmetic and the made-up language): each question's right answer
 * and three distractors drawn, seeded, from the other answers of the same set, the right one at a seeded position.
 */
final class LmEvalTaskWriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SETS = List.of("arithmetic-dev", "arithmetic-test", "language-dev",
            "language-test");

    private LmEvalTaskWriter() {
    }

    /**
     * @param runs the demo's {@code runs/} folder (its data is in {@code ../data})
     * @return the task file
     */
    static Path write(Path runs, Path dir, long seed) throws IOException {
        Files.createDirectories(dir);
        SplittableRandom random = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>();
        for (String set : SETS) {
            List<JsonNode> records = new ArrayList<>();
            for (String line : Files.readAllLines(runs.resolveSibling("data").resolve(set + ".jsonl"))) {
                if (!line.isBlank()) {
                    records.add(JSON.readTree(line));
                }
            }
            List<String> answers = records.stream().map(r -> r.get("answer").asText()).distinct().toList();
            for (JsonNode record : records) {
                String right = record.get("answer").asText();
                Set<String> choices = new LinkedHashSet<>();
                while (choices.size() < 3) {
                    String other = answers.get(random.nextInt(answers.size()));
                    if (!other.equals(right)) {
                        choices.add(other);
                    }
                }
                List<String> ordered = new ArrayList<>(choices);
                int label = random.nextInt(4);
                ordered.add(label, right);
                ObjectNode doc = JSON.createObjectNode();
                doc.put("prompt", record.get("prompt").asText());
                doc.putPOJO("choices", ordered);
                doc.put("label", label);
                lines.add(JSON.writeValueAsString(doc));
            }
        }
        Files.write(dir.resolve("demo_mc.jsonl"), lines);
        Path task = dir.resolve("demo_mc.yaml");
        Files.writeString(task, """
                task: demo_mc
                dataset_path: json
                dataset_kwargs:
                  data_files: {test: demo_mc.jsonl}
                output_type: multiple_choice
                test_split: test
                doc_to_text: prompt
                doc_to_target: label
                doc_to_choice: choices
                target_delimiter: ""
                metric_list:
                  - {metric: acc, aggregation: mean, higher_is_better: true}
                """);
        return task;
    }
}
