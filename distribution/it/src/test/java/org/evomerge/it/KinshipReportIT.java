package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code evomerge kinship} on safetensors folders and {@code evomerge report} on a run directory, as users run them. */
class KinshipReportIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private Processes.Result evomerge(String... args) {
        return Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), args);
    }

    /** A folder with one float32 model.safetensors holding {@code tensors} (name → [shape..., values...]). */
    private Path model(String name, Map<String, float[][]> tensors) throws IOException {
        Path dir = Files.createDirectories(temp.resolve(name));
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        for (Map.Entry<String, float[][]> t : tensors.entrySet()) {
            float[] shape = t.getValue()[0];
            StringBuilder dims = new StringBuilder();
            for (float d : shape) {
                dims.append(dims.isEmpty() ? "" : ",").append((int) d);
            }
            long bytes = 4L * t.getValue()[1].length;
            header.append(header.length() > 1 ? "," : "").append('"').append(t.getKey()).append("\":{\"dtype\":\"F32\",")
                    .append("\"shape\":[").append(dims).append("],\"data_offsets\":[").append(offset).append(',')
                    .append(offset + bytes).append("]}");
            offset += bytes;
        }
        header.append('}');
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate((int) (8 + h.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(h.length).put(h);
        for (float[][] t : tensors.values()) {
            for (float v : t[1]) {
                file.putFloat(v);
            }
        }
        Files.write(dir.resolve("model.safetensors"), file.array());
        Files.writeString(dir.resolve("config.json"), "{\"architectures\":[\"LlamaForCausalLM\"],"
                + "\"model_type\":\"llama\"}");
        return dir;
    }

    private static Map<String, float[][]> tensors(float[] a, float[] b) {
        Map<String, float[][]> m = new LinkedHashMap<>();
        m.put("a", new float[][] {{a.length}, a});
        m.put("b", new float[][] {{1, b.length}, b});
        return m;
    }

    @Test
    void kinshipMatrixAsJsonMatchesHandComputedValues() throws IOException {
        // Task vectors d1 = [1,2,3 | 0,1], d2 = [2,4,6 | 0,0]: cosine 28/√(15·56), distance √15.
        model("base", tensors(new float[] {0, 0, 0}, new float[] {1, 1}));
        model("m1", tensors(new float[] {1, 2, 3}, new float[] {1, 2}));
        model("m2", tensors(new float[] {2, 4, 6}, new float[] {1, 1}));
        Processes.Result cosine = evomerge("kinship", "--base", "base", "m1", "m2", "--metric", "cosine", "--json");
        assertEquals(0, cosine.exitCode(), cosine.toString());
        JsonNode doc = JSON.readTree(cosine.out());
        assertEquals("cosine", doc.get("metric").asText());
        assertEquals("base", doc.get("base").asText());
        assertEquals(28 / Math.sqrt(15 * 56), doc.get("matrix").get(0).get(1).asDouble(), 1e-12);
        assertEquals(1.0, doc.get("matrix").get(1).get(1).asDouble(), 1e-12);

        Processes.Result perTensor = evomerge("kinship", "--base", "base", "m1", "m2", "--metric", "euclidean",
                "--per-tensor", "--json");
        assertEquals(0, perTensor.exitCode(), perTensor.toString());
        doc = JSON.readTree(perTensor.out());
        assertEquals((3 * Math.sqrt(14) + 2) / 5, doc.get("matrix").get(0).get(1).asDouble(), 1e-12);
        assertEquals("a", doc.get("tensors").get(0).get("name").asText());
        assertEquals(Math.sqrt(14), doc.get("tensors").get(0).get("matrix").get(0).get(1).asDouble(), 1e-12);

        Processes.Result text = evomerge("kinship", "--base", "base", "m1", "m2");
        assertEquals(0, text.exitCode(), text.toString());
        assertTrue(text.out().contains("pcc of task vectors"), text.out());
        assertTrue(text.out().contains("0.941742"), text.out());
    }

    @Test
    void aModelThatDoesNotMatchTheBaseExitsWithThreeNamingModelAndTensor() throws IOException {
        model("base", tensors(new float[] {0, 0, 0}, new float[] {1, 1}));
        model("m1", tensors(new float[] {1, 2, 3}, new float[] {1, 2}));
        model("wide", tensors(new float[] {1, 2, 3}, new float[] {1, 2, 3}));
        Processes.Result result = evomerge("kinship", "--base", "base", "m1", "wide");
        assertEquals(3, result.exitCode(), result.toString());
        assertEquals(1, result.err().lines().count(), result.toString());
        assertTrue(result.err().startsWith("evomerge: error: wide: tensor 'b' has shape [1, 3]"), result.err());
    }

    @Test
    void reportWritesPlotsAndPageThroughTheLauncher() throws IOException {
        Path run = Files.createDirectories(temp.resolve("run"));
        Files.writeString(run.resolve("journal.jsonl"), """
                {"type":"start","version":1,"seed":1,"strategy":"random","objectives":["t"],"started":"now"}
                {"type":"evaluation","id":"g0-0","generation":0,"genome":{"kind":"parameters","values":[1]},"parents":[],"fitness":[0.1]}
                {"type":"evaluation","id":"g1-0","generation":1,"genome":{"kind":"parameters","values":[2]},"parents":["g0-0"],"fitness":[0.3]}
                {"type":"kinship","generation":1,"ids":["g0-0","g1-0"],"metric":"pcc","matrix":[[1,0.5],[0.5,1]]}
                {"type":"evalu""");
        Processes.Result result = evomerge("report", "run");
        assertEquals(0, result.exitCode(), result.toString());
        for (String file : new String[] {"plots/fitness.png", "plots/kinship.png", "plots/lineage.png",
                "report.html"}) {
            assertTrue(Files.size(run.resolve(file)) > 1000, file);
        }
        Processes.Result missing = evomerge("report", "nowhere");
        assertEquals(3, missing.exitCode(), missing.toString());
        assertTrue(missing.err().contains("nowhere: no such run directory"), missing.err());
    }

    @Test
    void reportComparesAFolderOfRunsThroughTheLauncher() throws IOException {
        String journal = """
                {"type":"start","version":2,"seed":3,"strategy":"STRATEGY","objectives":["t"],"extensions":[],"started":"now"}
                {"type":"evaluation","id":"g1-0","generation":1,"genome":{"kind":"parameters","values":[1]},"parents":[],"fitness":[FITNESS]}
                {"type":"finish","best_id":"g1-0","best_fitness":[FITNESS],"reason":"budget"}
                """;
        Path runs = temp.resolve("runs");
        Path a = Files.createDirectories(runs.resolve("a"));
        Files.writeString(a.resolve("journal.jsonl"), journal.replace("STRATEGY", "cma-es").replace("FITNESS", "0.6"));
        Files.writeString(a.resolve("best-scores.json"), "{\"format\":1,\"best_id\":\"g1-0\",\"tasks\":"
                + "[{\"name\":\"x-test\",\"score\":0.75,\"items\":[1,1,1,0]}]}");
        Path b = Files.createDirectories(runs.resolve("b"));
        Files.writeString(b.resolve("journal.jsonl"), journal.replace("STRATEGY", "genetic").replace("FITNESS", "0.4"));
        Files.writeString(b.resolve("best-scores.json"), "{\"format\":1,\"best_id\":\"g1-0\",\"tasks\":"
                + "[{\"name\":\"x-test\",\"score\":0.25,\"items\":[1,0,0,0]}]}");

        Processes.Result result = evomerge("report", "runs");
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(Files.size(runs.resolve("comparison.html")) > 1000);
        assertTrue(Files.isRegularFile(b.resolve("report.html")));
        // b - a = 0.25 - 0.75 on the same four items; a alone is right on two of them: McNemar p = 2 / 4.
        assertTrue(result.out().lines().anyMatch(l -> l.matches("b +genetic +1 +0\\.400 .* -0\\.500 \\[.*\\]"
                + " +0\\.500 \\(0 vs 2\\)")), result.out());

        Files.writeString(b.resolve("best-scores.json"), "{\"format\":1,\"best_id\":\"g1-0\",\"tasks\":7}");
        Files.delete(runs.resolve("comparison.html"));
        Processes.Result bad = evomerge("report", "runs");
        assertEquals(3, bad.exitCode(), bad.toString());
        assertEquals(1, bad.err().lines().count(), bad.toString());
        assertTrue(bad.err().contains("best-scores.json: \"tasks\" must be a list"), bad.err());
        assertFalse(Files.exists(runs.resolve("comparison.html")));
    }
}
