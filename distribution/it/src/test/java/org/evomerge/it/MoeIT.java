package org.evomerge.it;

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
import java.util.Random;
import org.evomerge.demo.CharacterTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evomerge moe} run as a user runs it: mergekit-moe's configuration over generated Llama safetensors models
 * with a character tokenizer (2 layers, width 16), {@code hidden} gates, a bfloat16 Mixtral checkpoint out; then
 * {@code evomerge eval} scores the mixture with the in-process engine.
 */
class MoeIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CharacterTokenizer TOKENIZER =
            new CharacterTokenizer("abcdefghijklmnopqrstuvwxyz =+0123456789");
    private static final int HIDDEN = 16;
    private static final int INTERMEDIATE = 24;

    @TempDir
    Path temp;

    private Processes.Result evomerge(String... args) {
        return Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), args);
    }

    private static Map<String, long[]> shapes(int vocab) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {vocab, HIDDEN});
        for (int l = 0; l < 2; l++) {
            String p = "model.layers." + l + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {HIDDEN});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {HIDDEN, HIDDEN});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {HIDDEN / 2, HIDDEN});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {HIDDEN / 2, HIDDEN});
            shapes.put(p + "self_attn.o_proj.weight", new long[] {HIDDEN, HIDDEN});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {HIDDEN});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {INTERMEDIATE, HIDDEN});
            shapes.put(p + "mlp.up_proj.weight", new long[] {INTERMEDIATE, HIDDEN});
            shapes.put(p + "mlp.down_proj.weight", new long[] {HIDDEN, INTERMEDIATE});
        }
        shapes.put("model.norm.weight", new long[] {HIDDEN});
        shapes.put("lm_head.weight", new long[] {vocab, HIDDEN});
        return shapes;
    }

    /**
     * A Llama folder of random F32 weights: the attention, norms and embeddings from {@code seed} 1 (the base's),
     * the MLPs from {@code seed}, so every expert is a fine-tune of the base's MLPs.
     */
    private Path model(String name, long seed) throws IOException {
        Path folder = Files.createDirectories(temp.resolve(name));
        int vocab = TOKENIZER.vocabularySize();
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes(vocab).entrySet()) {
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
        while (file.position() < 8 + padded) {
            file.put((byte) ' ');
        }
        Random base = new Random(1);
        Random own = new Random(seed);
        for (Map.Entry<String, long[]> e : shapes(vocab).entrySet()) {
            boolean norm = e.getValue().length == 1;
            Random random = e.getKey().contains(".mlp.") ? own : base;
            long count = e.getValue()[0] * (norm ? 1 : e.getValue()[1]);
            double scale = norm ? 0.1 : 1 / Math.sqrt(e.getValue()[1]);
            for (long i = 0; i < count; i++) {
                file.putFloat((float) ((norm ? 1 : 0) + scale * random.nextGaussian()));
            }
        }
        Files.write(folder.resolve("model.safetensors"), file.array());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architectures", java.util.List.of("LlamaForCausalLM"));
        config.put("model_type", "llama");
        config.put("hidden_size", HIDDEN);
        config.put("intermediate_size", INTERMEDIATE);
        config.put("num_hidden_layers", 2);
        config.put("num_attention_heads", 2);
        config.put("num_key_value_heads", 1);
        config.put("vocab_size", vocab);
        config.put("rms_norm_eps", 1e-5);
        config.put("max_position_embeddings", 128);
        config.put("tie_word_embeddings", false);
        config.put("torch_dtype", "float32");
        Files.writeString(folder.resolve("config.json"), JSON.writeValueAsString(config));
        TOKENIZER.writeSideFiles(folder, 128);
        return folder;
    }

    private static final String CONFIG = """
            base_model: base
            gate_mode: hidden
            dtype: bfloat16
            experts:
              - source_model: arithmetic
                positive_prompts:
                  - "2 + 2 = 4"
                  - "10 + 7 = 17"
              - source_model: words
                positive_prompts:
                  - "the cat sat on the mat"
                negative_prompts:
                  - "1 + 1 = 2"
              - source_model: counting
                positive_prompts:
                  - "1 2 3 4 5 6"
              - source_model: spelling
                positive_prompts:
                  - "a b c d e f"
            """;

    @Test
    void aMixtureOfFourExpertsIsWrittenAndEvaluated() throws IOException {
        model("base", 1);
        model("arithmetic", 2);
        model("words", 3);
        model("counting", 4);
        model("spelling", 5);
        Files.writeString(temp.resolve("moe.yml"), CONFIG);
        Processes.Result moe = evomerge("moe", "moe.yml", "mixture", "--json");
        assertEquals(0, moe.exitCode(), moe.toString());
        JsonNode summary = JSON.readTree(moe.out());
        assertEquals("Mixtral", summary.get("architecture").asText());
        assertEquals(4, summary.get("experts").asInt());
        Path out = temp.resolve("mixture");
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals("MixtralForCausalLM", config.get("architectures").get(0).asText());
        assertEquals(4, config.get("num_local_experts").asInt());
        assertEquals(2, config.get("num_experts_per_tok").asInt());
        assertEquals("bfloat16", config.get("torch_dtype").asText());
        assertEquals(CONFIG, Files.readString(out.resolve("mergekit_moe_config.yml")));
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        assertTrue(Files.readString(out.resolve("README.md")).contains("expert 3: `spelling`"));
        byte[] weights = Files.readAllBytes(out.resolve("model.safetensors"));
        long headerLength = ByteBuffer.wrap(weights, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = JSON.readTree(new String(weights, 8, (int) headerLength, StandardCharsets.UTF_8));
        assertEquals("BF16", header.get("model.layers.1.block_sparse_moe.gate.weight").get("dtype").asText());
        assertEquals("[4,16]", header.get("model.layers.1.block_sparse_moe.gate.weight").get("shape").toString());
        assertEquals("[16,24]", header.get("model.layers.0.block_sparse_moe.experts.3.w2.weight").get("shape")
                .toString());
        assertFalse(header.has("model.layers.0.mlp.gate_proj.weight"));

        Files.writeString(temp.resolve("text.jsonl"), "{\"text\": \"3 + 4 = 7\"}\n{\"text\": \"the dog sat\"}\n");
        Processes.Result eval = evomerge("eval", "--model", "mixture", "--task", "perplexity", "--data", "text.jsonl",
                "--json", "--no-cache");
        assertEquals(0, eval.exitCode(), eval.toString());
        double nll = JSON.readTree(eval.out()).get("tasks").get("perplexity").get("nll").asDouble();
        assertTrue(Double.isFinite(nll) && nll > 0, eval.out());

        // An architecture the models do not fit is one line, and nothing is written.
        Files.writeString(temp.resolve("qwen.yml"), CONFIG + "architecture: qwen\n");
        Processes.Result refused = evomerge("moe", "qwen.yml", "qwen");
        assertEquals(2, refused.exitCode(), refused.toString());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(refused.err().contains("Qwen MoE requires exactly one shared expert"), refused.err());
        assertFalse(Files.exists(temp.resolve("qwen")));
    }
}
