package org.evomerge.plugins.evaluation.lmeval;

import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.evaluate;
import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.withBos;
import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code log_samples}: one line per document as lm-eval's {@code --log_samples} writes it. */
class SampleLogTest {

    @TempDir
    Path temp;

    @Test
    void eachDocumentsPromptResponsesAndMetricsAsLmEvalLogsThem() throws Exception {
        write(temp, "data.jsonl", """
                {"question": "Sky?", "choices": ["blue", "green"], "gold": 0}
                {"question": "Grass?", "choices": ["blue", "green"], "gold": 1}
                """);
        Path task = write(temp, "colors.yaml", """
                task: colors
                dataset_path: json
                dataset_kwargs:
                  data_files: data.jsonl
                output_type: multiple_choice
                test_split: train
                doc_to_text: "{{question}}"
                doc_to_target: gold
                doc_to_choice: choices
                """);
        Path folder = temp.resolve("samples");
        evaluate(task, Map.of("log_samples", folder.toString()), new ReferenceModel());
        List<Path> files;
        try (var list = Files.list(folder)) {
            files = list.toList();
        }
        assertEquals(1, files.size());
        assertTrue(files.getFirst().getFileName().toString().matches("samples_colors_\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d"
                + "\\.\\d{6}\\.jsonl"), files.getFirst().toString());
        List<String> lines = Files.readAllLines(files.getFirst());
        assertEquals(2, lines.size());
        JsonNode first = new ObjectMapper().readTree(lines.getFirst());
        assertEquals(List.of("doc_id", "doc", "target", "arguments", "resps", "filtered_resps", "filter", "metrics",
                "doc_hash", "prompt_hash", "target_hash", "acc", "acc_norm"), iterator(first.fieldNames()));
        assertEquals(0, first.get("doc_id").asInt());
        assertEquals("Sky?", first.get("doc").get("question").asText());
        assertEquals("0", first.get("target").asText(), "str() of the gold index");
        assertEquals("Sky?", first.get("arguments").get("gen_args_0").get("arg_0").asText());
        assertEquals(" blue", first.get("arguments").get("gen_args_0").get("arg_1").asText());
        double blue = ReferenceModel.sum(withBos("Sky?"), ReferenceTokenizer.tokens(" blue"));
        assertEquals("(" + blue + ", False)", first.get("resps").get(0).get(0).asText());
        assertEquals("(" + blue + ", False)", first.get("filtered_resps").get(0).asText());
        assertEquals("none", first.get("filter").asText());
        assertEquals("[\"acc\",\"acc_norm\"]", first.get("metrics").toString());
        // json.dumps(doc, indent=2, ensure_ascii=False), as CPython writes it
        String doc = "{\n  \"question\": \"Sky?\",\n  \"choices\": [\n    \"blue\",\n    \"green\"\n  ],\n"
                + "  \"gold\": 0\n}";
        assertEquals(SampleLog.sha256(doc), first.get("doc_hash").asText());
        assertEquals(SampleLog.sha256("Sky?"), first.get("prompt_hash").asText());
        assertEquals(SampleLog.sha256("0"), first.get("target_hash").asText());
        assertTrue(first.get("acc").isNumber());
    }

    static List<String> iterator(java.util.Iterator<String> names) {
        List<String> list = new java.util.ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }
}
