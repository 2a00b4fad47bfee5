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
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code evomerge inspect} on real and broken model files, through the installed launcher. */
class InspectIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private Processes.Result evomerge(String... args) {
        return Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), args);
    }

    private static Path sharedModel() {
        Path model = Path.of(System.getProperty("evomerge.shared"), "mergekit-cases", "models", "bf16", "base");
        Assumptions.assumeTrue(Files.isDirectory(model), "shared reference models not present");
        return model;
    }

    private static byte[] safetensors(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).array();
    }

    @Test
    void inspectsAHuggingFaceFolderAsJson() throws IOException {
        Processes.Result result = evomerge("inspect", sharedModel().toString(), "--json");
        assertEquals(0, result.exitCode(), result.toString());
        JsonNode doc = JSON.readTree(result.out());
        assertEquals("safetensors", doc.get("format").asText());
        assertEquals("LlamaForCausalLM", doc.get("architecture").asText());
        assertEquals(4, doc.get("num_layers").asInt());
        long parameters = 0;
        for (JsonNode t : doc.get("tensors")) {
            long n = 1;
            for (JsonNode d : t.get("shape")) {
                n *= d.asLong();
            }
            parameters += n;
            assertEquals("BF16", t.get("dtype").asText());
            assertEquals("model.safetensors", t.get("file").asText());
        }
        assertEquals(parameters, doc.get("parameters").asLong());
        JsonNode q = null;
        for (JsonNode t : doc.get("tensors")) {
            if (t.get("name").asText().equals("model.layers.2.self_attn.q_proj.weight")) {
                q = t;
            }
        }
        assertEquals("attention", q.get("role").asText());
        assertEquals(2, q.get("layer").asInt());
        assertEquals(List.of(64, 64), List.of(q.get("shape").get(0).asInt(), q.get("shape").get(1).asInt()));
    }

    @Test
    void inspectsInTextWithoutTensorsOnRequest() {
        Processes.Result result = evomerge("inspect", sharedModel().toString(), "--no-tensors");
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.out().contains("Layers:        4"), result.out());
        assertTrue(result.out().contains("Parameters:    180,800"), result.out());
        assertFalse(result.out().contains("TENSOR"), result.out());
    }

    private void assertBadInput(Path path, String mentions) {
        Processes.Result result = evomerge("inspect", path.toString());
        assertEquals(3, result.exitCode(), result.toString());
        assertEquals(1, result.err().lines().count(), result.toString());
        assertTrue(result.err().startsWith("evomerge: error: "), result.toString());
        assertTrue(result.err().contains(mentions), result.err() + " should mention " + mentions);
        assertFalse(result.err().contains("\tat "), result.toString());
    }

    @Test
    void aFolderWithoutConfigJsonIsListedByInspectAndRefusedByMergeAndEvalNamingTheFile() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("no-config"));
        String header = "{\"model.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"model.layers.0.mlp.up_proj.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[16,32]}}";
        Files.write(folder.resolve("model.safetensors"), safetensors(header, 32));
        String missing = folder + " has no config.json (a Hugging Face model folder needs one";

        Processes.Result inspect = evomerge("inspect", folder.toString());
        assertEquals(0, inspect.exitCode(), inspect.toString());
        assertTrue(inspect.out().contains("Problem:       " + missing), inspect.out());
        assertTrue(inspect.out().contains("model.layers.0.mlp.up_proj.weight"), "the tensors are still listed");
        JsonNode doc = JSON.readTree(evomerge("inspect", folder.toString(), "--json").out());
        assertTrue(doc.get("problems").get(0).asText().startsWith(missing), doc.toString());

        Path recipe = Files.writeString(temp.resolve("recipe.yml"), "merge_method: linear\nmodels:\n"
                + "  - model: no-config\n    parameters: {weight: 0.5}\n  - model: no-config\n"
                + "    parameters: {weight: 0.5}\n");
        Processes.Result merge = evomerge("merge", recipe.toString(), "out");
        assertEquals(3, merge.exitCode(), merge.toString());
        assertEquals(1, merge.err().lines().count(), merge.toString());
        assertTrue(merge.err().startsWith("evomerge: error: " + missing), merge.toString());
        assertFalse(Files.exists(temp.resolve("out")), "no output for a refused merge");

        Path data = Files.writeString(temp.resolve("d.jsonl"), "{\"text\": \"hello\"}\n");
        Processes.Result eval = evomerge("eval", "--model", folder.toString(), "--task", "perplexity", "--data",
                data.toString());
        assertEquals(3, eval.exitCode(), eval.toString());
        assertEquals(1, eval.err().lines().count(), eval.toString());
        assertTrue(eval.err().startsWith("evomerge: error: " + missing), eval.toString());
    }

    @Test
    void brokenAndHostileInputsExitWithThreeAndOneLine() throws IOException {
        assertBadInput(temp.resolve("nothing-here"), "no such file");
        assertBadInput(Files.writeString(temp.resolve("notes.txt"), "hello"), "not a model");
        Path hugeHeader = Files.createDirectories(temp.resolve("huge"));
        Files.write(hugeHeader.resolve("model.safetensors"),
                ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE - 7).array());
        assertBadInput(hugeHeader, "100 MB");
        Path truncated = Files.createDirectories(temp.resolve("truncated"));
        Files.write(truncated.resolve("model.safetensors"),
                safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1024],\"data_offsets\":[0,4096]}}", 100));
        assertBadInput(truncated, "truncated");
        Path escape = Files.createDirectories(temp.resolve("escape"));
        Files.writeString(escape.resolve("model.safetensors.index.json"),
                "{\"weight_map\":{\"a\":\"../../etc/passwd\"}}");
        assertBadInput(escape, "outside the model folder");
        Path pickle = Files.createDirectories(temp.resolve("pickle"));
        Files.writeString(pickle.resolve("config.json"), "{}");
        Files.write(pickle.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        assertBadInput(pickle, "pickle");
    }
}
