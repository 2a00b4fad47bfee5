package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evomerge extract-lora} run as a user runs it on generated Llama-shaped safetensors models (2 layers, width 8,
 * 16 tokens), whose fine-tune differs from the base by a rank-2 update of every linear weight; then the adapter
 * applied back through a recipe's {@code base+adapter} reference.
 */
class ExtractLoraIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private static Map<String, long[]> shapes() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {16, 8});
        for (int l = 0; l < 2; l++) {
            String p = "model.layers." + l + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {8});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {8, 8});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {4, 8});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {4, 8});
            shapes.put(p + "self_attn.o_proj.weight", new long[] {8, 8});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {8});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {12, 8});
            shapes.put(p + "mlp.up_proj.weight", new long[] {12, 8});
            shapes.put(p + "mlp.down_proj.weight", new long[] {8, 12});
        }
        shapes.put("model.norm.weight", new long[] {8});
        shapes.put("lm_head.weight", new long[] {16, 8});
        return shapes;
    }

    /**
     * A safetensors Llama folder: a smooth base, and for the fine-tune ({@code tuned}) a rank-2 update
     * {@code 0.1 (sin ⊗ cos + cos(2·) ⊗ sin(3·))} of every 2-D weight and a small offset of every other tensor.
     */
    private static Path model(Path folder, boolean tuned) throws IOException {
        Files.createDirectories(folder);
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes().entrySet()) {
            long count = e.getValue()[0] * (e.getValue().length == 2 ? e.getValue()[1] : 1);
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", "F32");
            var shape = entry.putArray("shape");
            for (long d : e.getValue()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + count * 4);
            offset += count * 4;
        }
        byte[] headerBytes = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (headerBytes.length + 7) / 8 * 8;
        ByteBuffer file = ByteBuffer.allocate(8 + padded + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(padded).put(headerBytes);
        for (int i = headerBytes.length; i < padded; i++) {
            file.put((byte) ' ');
        }
        for (Map.Entry<String, long[]> e : shapes().entrySet()) {
            long[] s = e.getValue();
            int rows = (int) s[0];
            int cols = s.length == 2 ? (int) s[1] : 1;
            int seed = Math.floorMod(e.getKey().hashCode(), 97);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double value = Math.sin(seed + i * cols + j);
                    if (tuned) {
                        value += s.length == 2
                                ? 0.1 * (Math.sin(seed + i) * Math.cos(j) + Math.cos(2 * i) * Math.sin(3 * j + seed))
                                : 0.05 * Math.cos(i);
                    }
                    file.putFloat((float) value);
                }
            }
        }
        Files.write(folder.resolve("model.safetensors"), file.array());
        Files.writeString(folder.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8,
                 "intermediate_size": 12, "num_attention_heads": 2, "num_key_value_heads": 1, "num_hidden_layers": 2,
                 "vocab_size": 16, "tie_word_embeddings": false, "torch_dtype": "float32"}
                """);
        return folder;
    }

    private Processes.Result evomerge(String... args) {
        return Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), args);
    }

    private static Set<String> files(Path folder) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            return new TreeSet<>(list.map(p -> p.getFileName().toString()).toList());
        }
    }

    private static final String APPLY = """
            merge_method: linear
            models:
              - model: base+adapter
                parameters:
                  weight: 1.0
            dtype: float32
            """;

    @Test
    void anExtractedAdapterAppliedToTheBaseGivesTheFineTuneBack() throws IOException {
        model(temp.resolve("base"), false);
        model(temp.resolve("ft"), true);
        Processes.Result extract = evomerge("extract-lora", "--model", "ft", "--base", "base", "--rank", "4",
                "adapter", "--json");
        assertEquals(0, extract.exitCode(), extract.toString());
        JsonNode summary = JSON.readTree(extract.out());
        assertEquals(4, summary.get("rank").asInt(), extract.out());
        int decomposed = 0;
        for (JsonNode module : summary.get("modules")) {
            if (module.get("kind").asText().equals("lora")) {
                decomposed++;
                assertEquals(4, module.get("rank").asInt());
                // the delta's true rank is 2: rank 4 gives it back to float rounding
                assertTrue(module.get("relative_error").asDouble() < 1e-6, module.toString());
            } else {
                assertEquals("save", module.get("kind").asText(), module.toString());
                assertTrue(module.get("relative_error").isNull());
            }
        }
        assertEquals(14, decomposed, "7 linear weights in each of 2 layers");
        Path adapter = temp.resolve("adapter");
        assertEquals(Set.of("README.md", "adapter_config.json", "adapter_model.safetensors"), files(adapter));
        JsonNode config = JSON.readTree(adapter.resolve("adapter_config.json").toFile());
        assertEquals("LORA", config.get("peft_type").asText());
        assertEquals(4, config.get("r").asInt());
        assertEquals(4, config.get("lora_alpha").asInt());
        assertEquals("base", config.get("base_model_name_or_path").asText());
        Map<String, MergekitGoldenIT.Tensor> lora = MergekitGoldenIT.read(adapter);
        assertEquals(java.util.List.of(4L, 8L),
                lora.get("base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight").shape(), "[r, in]");
        assertEquals(java.util.List.of(4L, 4L),
                lora.get("base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight").shape(), "[out, r]");
        assertTrue(lora.containsKey("base_model.model.model.embed_tokens.weight"), lora.keySet().toString());

        Files.writeString(temp.resolve("apply.yml"), APPLY);
        Processes.Result merge = evomerge("merge", "apply.yml", "applied");
        assertEquals(0, merge.exitCode(), merge.toString());
        Map<String, MergekitGoldenIT.Tensor> ft = MergekitGoldenIT.read(temp.resolve("ft"));
        Map<String, MergekitGoldenIT.Tensor> applied = MergekitGoldenIT.read(temp.resolve("applied"));
        assertEquals(ft.keySet(), applied.keySet());
        ft.forEach((name, tensor) -> assertArrayEquals(tensor.values(), applied.get(name).values(), 1e-5, name));
    }

    @Test
    void aLowerRankGivesTheFineTuneBackToTheReportedTruncationError() throws IOException {
        model(temp.resolve("base"), false);
        model(temp.resolve("ft"), true);
        Processes.Result extract = evomerge("extract-lora", "--model", "ft", "--base-model", "base", "--max-rank", "1",
                "--skip-undecomposable", "-i", "self_attn", "adapter", "--json");
        assertEquals(0, extract.exitCode(), extract.toString());
        Map<String, Double> reported = new LinkedHashMap<>();
        for (JsonNode module : JSON.readTree(extract.out()).get("modules")) {
            reported.put(module.get("module").asText() + ".weight", module.get("relative_error").asDouble());
        }
        assertEquals(10, reported.size(), "embeddings saved whole, 8 attention projections: " + reported.keySet());
        Files.writeString(temp.resolve("apply.yml"), APPLY);
        Processes.Result merge = evomerge("merge", "apply.yml", "applied");
        assertEquals(0, merge.exitCode(), merge.toString());
        Map<String, MergekitGoldenIT.Tensor> base = MergekitGoldenIT.read(temp.resolve("base"));
        Map<String, MergekitGoldenIT.Tensor> ft = MergekitGoldenIT.read(temp.resolve("ft"));
        Map<String, MergekitGoldenIT.Tensor> applied = MergekitGoldenIT.read(temp.resolve("applied"));
        for (Map.Entry<String, Double> e : reported.entrySet()) {
            if (!e.getKey().contains("_proj")) {
                continue;
            }
            double[] b = base.get(e.getKey()).values();
            double[] t = ft.get(e.getKey()).values();
            double[] a = applied.get(e.getKey()).values();
            double residual = 0;
            double norm = 0;
            for (int i = 0; i < b.length; i++) {
                residual += (t[i] - a[i]) * (t[i] - a[i]);
                norm += (t[i] - b[i]) * (t[i] - b[i]);
            }
            double error = Math.sqrt(residual / norm);
            assertTrue(e.getValue() > 0.05, "rank 1 of a rank-2 delta loses something: " + e);
            assertEquals(e.getValue(), error, 1e-5, e.getKey());
        }
        // Modules the regex leaves out are the base's.
        assertArrayEquals(base.get("model.layers.0.mlp.up_proj.weight").values(),
                applied.get("model.layers.0.mlp.up_proj.weight").values());
    }

    private double nll(String model, Path task) throws IOException {
        Processes.Result eval = evomerge("eval", "--model", model, "--task", task.toString(), "--json", "--no-cache");
        assertEquals(0, eval.exitCode(), eval.toString());
        return JSON.readTree(eval.out()).get("tasks").get("ppl").get("nll").asDouble();
    }

    /**
     * The shared reference Llama (4 layers, width 64, float32) and a fine-tune of it: at full rank {@code base+adapter}
     * scores as the fine-tune does on {@code eval}; at rank 4 it does not.
     */
    @Test
    void evalScoresBasePlusAnExtractedAdapterAsTheFineTune() throws IOException {
        Path models = Path.of(System.getProperty("evomerge.shared"), "mergekit-cases", "models", "f32");
        Assumptions.assumeTrue(Files.isDirectory(models.resolve("ft1")), "shared reference models not present");
        StringBuilder data = new StringBuilder();
        java.util.Random random = new java.util.Random(7);
        for (int length : new int[] {120, 37, 64}) {
            StringBuilder ids = new StringBuilder("1");
            for (int i = 1; i < length; i++) {
                ids.append(", ").append(3 + random.nextInt(253));
            }
            data.append("{\"input_ids\": [").append(ids).append("]}\n");
        }
        Files.writeString(temp.resolve("ppl.jsonl"), data);
        Path task = Files.writeString(temp.resolve("ppl.yml"), "name: ppl\nevaluator: perplexity\ndata: ppl.jsonl\n");
        for (String rank : new String[] {"64", "4"}) {
            Processes.Result extract = evomerge("extract-lora", "--model", models.resolve("ft1").toString(), "--base",
                    models.resolve("base").toString(), "--rank", rank, "adapter-" + rank);
            assertEquals(0, extract.exitCode(), extract.toString());
        }
        double tuned = nll(models.resolve("ft1").toString(), task);
        double base = nll(models.resolve("base").toString(), task);
        double full = nll(models.resolve("base") + "+adapter-64", task);
        double low = nll(models.resolve("base") + "+adapter-4", task);
        assertEquals(tuned, full, 1e-5 * Math.abs(tuned), "full rank: the fine-tune back");
        assertTrue(Math.abs(low - tuned) > 1e-4 * Math.abs(tuned), "rank 4 loses something: " + low + " vs " + tuned);
        assertTrue(Math.abs(base - tuned) > 1e-4 * Math.abs(tuned), "the base scores otherwise: " + base);
    }

    @Test
    void badInputIsOneLineAndLeavesNothingBehind() throws IOException {
        model(temp.resolve("base"), false);
        Files.writeString(temp.resolve("apply.yml"), APPLY);
        Processes.Result missing = evomerge("merge", "apply.yml", "applied");
        assertEquals(2, missing.exitCode(), missing.toString());
        assertEquals(1, missing.err().lines().filter(l -> !l.isBlank()).count(), missing.toString());
        assertTrue(missing.err().contains("model 'adapter' not found"), missing.toString());
        assertFalse(Files.exists(temp.resolve("applied")));

        Files.createDirectories(temp.resolve("adapter"));
        Files.writeString(temp.resolve("adapter/adapter_config.json"), "{\"r\": 2, \"lora_alpha\": 2}");
        Processes.Result noWeights = evomerge("merge", "apply.yml", "applied");
        assertTrue(noWeights.exitCode() != 0, noWeights.toString());
        assertEquals("evomerge: error: " + temp.resolve("adapter") + ": no adapter_model.safetensors (a PEFT adapter"
                + " folder holds adapter_config.json and adapter_model.safetensors)", noWeights.err().strip());
        assertFalse(Files.exists(temp.resolve("applied")));

        model(temp.resolve("ft"), true);
        Processes.Result occupied = evomerge("extract-lora", "--model", "ft", "--base", "base", "adapter");
        assertEquals(2, occupied.exitCode(), occupied.toString());
        assertEquals("evomerge: error: " + temp.resolve("adapter") + ": already exists; choose another output"
                + " folder", occupied.err().strip());
    }
}
