package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenizer_source: union} through the built distribution on two small real checkpoints (the f32 models of
 * {@code shared/mergekit-cases}, 256 tokens × 64) given tokenizers that differ in their last six tokens: the output has
 * 262 rows, its tokenizer holds the six new tokens after the base's, and each row comes from where mergekit's rules
 * say.
 */
class VocabularyMergeIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private static void tokenizer(Path folder, String lastPrefix) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putArray("added_tokens");
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < 256; i++) {
            vocab.put((i >= 250 ? lastPrefix : "t") + i, i);
        }
        model.putArray("merges");
        JSON.writeValue(folder.resolve("tokenizer.json").toFile(), root);
        Files.writeString(folder.resolve("tokenizer_config.json"), "{\"added_tokens_decoder\": {}}");
        Files.writeString(folder.resolve("tokenizer.model"), "not the merged vocabulary");
    }

    private static double[] row(MergekitGoldenIT.Tensor tensor, int row) {
        int columns = tensor.shape().get(1).intValue();
        return Arrays.copyOfRange(tensor.values(), row * columns, (row + 1) * columns);
    }

    @Test
    void unionTokenizerMergesRowsOfTheSameToken() throws IOException {
        Path models = Path.of(System.getProperty("evomerge.shared"), "mergekit-cases", "models", "f32");
        Assumptions.assumeTrue(Files.isDirectory(models), "shared mergekit models not present");
        Path base = Distributions.copy(models.resolve("base"), temp.resolve("base"));
        Path other = Distributions.copy(models.resolve("ft1"), temp.resolve("other"));
        tokenizer(base, "t");
        tokenizer(other, "u");
        Files.writeString(temp.resolve("union.yml"), """
                merge_method: linear
                models:
                  - {model: base, parameters: {weight: 0.5}}
                  - {model: other, parameters: {weight: 0.5}}
                tokenizer_source: union
                """);
        Path out = temp.resolve("out");
        Processes.Result result = Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), "merge",
                "union.yml", out.toString());
        assertEquals(0, result.exitCode(), result.toString());

        assertEquals(262, JSON.readTree(out.resolve("config.json").toFile()).get("vocab_size").asInt());
        JsonNode tokenizer = JSON.readTree(out.resolve("tokenizer.json").toFile());
        ArrayNode added = (ArrayNode) tokenizer.get("added_tokens");
        assertEquals(6, added.size());
        assertEquals("u250", added.get(0).get("content").asText());
        assertEquals(256, added.get(0).get("id").asInt());
        assertFalse(Files.exists(out.resolve("tokenizer.model")), "a slow tokenizer of another vocabulary");
        assertTrue(Files.exists(out.resolve("tokenizer_config.json")));

        Map<String, MergekitGoldenIT.Tensor> merged = MergekitGoldenIT.read(out);
        Map<String, MergekitGoldenIT.Tensor> a = MergekitGoldenIT.read(base);
        Map<String, MergekitGoldenIT.Tensor> b = MergekitGoldenIT.read(other);
        for (String name : List.of("model.embed_tokens.weight", "lm_head.weight")) {
            assertEquals(List.of(262L, 64L), merged.get(name).shape(), name);
            // t250: only the base has it -> both inputs hold the base's row 250
            assertArrayEquals(row(a.get(name), 250), row(merged.get(name), 250), 1e-6, name);
            // u250 (id 256): only the other model has it -> its row 250
            assertArrayEquals(row(b.get(name), 250), row(merged.get(name), 256), 1e-6, name);
            // t0: both -> the average
            double[] expected = row(a.get(name), 0);
            double[] second = row(b.get(name), 0);
            for (int c = 0; c < expected.length; c++) {
                expected[c] = 0.5 * expected[c] + 0.5 * second[c];
            }
            assertArrayEquals(expected, row(merged.get(name), 0), 1e-5, name);
        }
    }
}
