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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GGUF output as users produce it: {@code evomerge convert MODEL OUT.gguf [--out-type]} and {@code evomerge merge
 * RECIPE OUT.gguf --out-format gguf [--out-type]} on generated Llama folders (byte-level BPE tokenizer, untied head,
 * grouped-query attention), read back by {@code inspect} and evaluated by {@code eval}: a float32 GGUF merge scores the
 * same perplexity, to the bit, as the safetensors merge, a Q8_0 one nearly the same.
 */
class GgufIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HIDDEN = 64;
    private static final int FFN = 96;
    private static final int VOCAB = 264;

    @TempDir
    Path temp;

    private Processes.Result evomerge(String... args) {
        return Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), args);
    }

    private static Map<String, long[]> shapes() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("lm_head.weight", new long[] {VOCAB, HIDDEN});
        shapes.put("model.embed_tokens.weight", new long[] {VOCAB, HIDDEN});
        for (int l = 0; l < 2; l++) {
            String p = "model.layers." + l + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {HIDDEN});
            shapes.put(p + "mlp.down_proj.weight", new long[] {HIDDEN, FFN});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {FFN, HIDDEN});
            shapes.put(p + "mlp.up_proj.weight", new long[] {FFN, HIDDEN});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {HIDDEN});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {32, HIDDEN});
            shapes.put(p + "self_attn.o_proj.weight", new long[] {HIDDEN, HIDDEN});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {HIDDEN, HIDDEN});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {32, HIDDEN});
        }
        shapes.put("model.norm.weight", new long[] {HIDDEN});
        return shapes;
    }

    /** A float32 safetensors Llama with a byte-level BPE tokenizer; {@code seed} gives its values. */
    private Path model(String name, long seed, String architecture) throws IOException {
        Path folder = Files.createDirectories(temp.resolve(name));
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes().entrySet()) {
            long count = Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact);
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", "F32");
            var shape = entry.putArray("shape");
            Arrays.stream(e.getValue()).forEach(shape::add);
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
        Random random = new Random(seed);
        for (long[] shape : shapes().values()) {
            long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            for (long i = 0; i < count; i++) {
                file.putFloat(shape.length == 1 ? (float) (1 + 0.1 * random.nextGaussian())
                        : (float) (0.08 * random.nextGaussian()));
            }
        }
        Files.write(folder.resolve("model.safetensors"), file.array());
        Files.writeString(folder.resolve("config.json"), """
                {"architectures": ["%s"], "model_type": "llama", "hidden_size": %d, "intermediate_size": %d,
                 "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": %d,
                 "max_position_embeddings": 512, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
                 "bos_token_id": 256, "eos_token_id": 257, "tie_word_embeddings": false, "torch_dtype": "float32"}
                """.formatted(architecture, HIDDEN, FFN, VOCAB));
        writeTokenizer(folder);
        return folder;
    }

    /** GPT-2's byte-level BPE: the 256 byte characters, one merge, two special tokens. */
    static void writeTokenizer(Path folder) throws IOException {
        StringBuilder vocab = new StringBuilder();
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            vocab.append(b == 0 ? "" : ", ").append(JSON.writeValueAsString(String.valueOf(c))).append(": ").append(b);
        }
        vocab.append(", \"\\u0120t\": 258");
        Files.writeString(folder.resolve("tokenizer.json"), """
                {"version": "1.0", "truncation": null, "padding": null,
                 "added_tokens": [
                   {"id": 256, "content": "<|begin_of_text|>", "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": true},
                   {"id": 257, "content": "<|end_of_text|>", "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": true}],
                 "normalizer": null,
                 "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
                 "post_processor": {"type": "TemplateProcessing",
                   "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                   "pair": [], "special_tokens": {}},
                 "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
                 "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                           "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
                           "ignore_merges": false, "vocab": {%s}, "merges": ["\\u0120 t"]}}
                """.formatted(vocab));
        Files.writeString(folder.resolve("tokenizer_config.json"), """
                {"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>",
                 "chat_template": "{% for m in messages %}{{ m['content'] }}{% endfor %}"}
                """);
    }

    private Path perplexityTask() throws IOException {
        StringBuilder data = new StringBuilder();
        Random random = new Random(5);
        for (int length : new int[] {90, 33, 64}) {
            StringBuilder ids = new StringBuilder("256");
            for (int i = 1; i < length; i++) {
                ids.append(", ").append(random.nextInt(259));
            }
            data.append("{\"input_ids\": [").append(ids).append("]}\n");
        }
        Files.writeString(temp.resolve("ppl.jsonl"), data);
        return Files.writeString(temp.resolve("ppl.yml"), "name: ppl\nevaluator: perplexity\ndata: ppl.jsonl\n");
    }

    private JsonNode json(Processes.Result result) throws IOException {
        assertEquals(0, result.exitCode(), result.toString());
        return JSON.readTree(result.out());
    }

    @Test
    void convertsAModelFolderAndAGgufFileThatInspectReadsBack() throws IOException {
        model("llama", 1, "LlamaForCausalLM");
        JsonNode converted = json(evomerge("convert", "llama", "llama-q8_0.gguf", "--out-type", "q8_0", "--json"));
        assertEquals("safetensors", converted.get("source_format").asText());
        assertEquals(21, converted.get("tensors").asInt());
        // Matrices in Q8_0, the five norms in F32.
        assertEquals(16, converted.get("dtypes").get("Q8_0").asInt());
        assertEquals(5, converted.get("dtypes").get("F32").asInt());
        byte[] bytes = Files.readAllBytes(temp.resolve("llama-q8_0.gguf"));
        assertEquals("GGUF", new String(bytes, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(bytes.length, converted.get("bytes").asLong());

        JsonNode inspected = json(evomerge("inspect", "llama-q8_0.gguf", "--json"));
        assertEquals("gguf", inspected.get("format").asText());
        assertEquals("LlamaForCausalLM", inspected.get("architecture").asText());
        assertEquals(2, inspected.get("num_layers").asInt());
        assertEquals(4, inspected.get("config").get("num_attention_heads").asInt());
        assertEquals(2, inspected.get("config").get("num_key_value_heads").asInt());
        assertEquals(VOCAB, inspected.get("config").get("vocab_size").asInt());
        assertTrue(inspected.get("tensors").findValuesAsText("name").contains("model.layers.1.self_attn.q_proj.weight"));

        // A GGUF file converts too: its metadata is kept, its matrices stored anew.
        JsonNode again = json(evomerge("convert", "llama-q8_0.gguf", "llama-f16.gguf", "--out-type", "f16", "--json"));
        assertEquals("gguf", again.get("source_format").asText());
        assertEquals(16, again.get("dtypes").get("F16").asInt());
        try (Stream<Path> left = Files.list(temp)) {
            assertFalse(left.anyMatch(p -> p.getFileName().toString().contains(".partial-")), "no staging left");
        }
    }

    /** docs/examples/merge-gguf.yml, run as docs/merging.md runs it. */
    @Test
    void theDocumentedGgufMergeEvaluatesAsTheSafetensorsMerge() throws IOException {
        Path root = Path.of(System.getProperty("evomerge.root", System.getProperty("user.dir") + "/../.."));
        Files.copy(root.resolve("docs/examples/merge-gguf.yml"), temp.resolve("merge-gguf.yml"));
        model("llama-base", 2, "LlamaForCausalLM");
        model("llama-chat", 3, "LlamaForCausalLM");
        model("llama-code", 4, "LlamaForCausalLM");
        assertEquals(0, evomerge("merge", "merge-gguf.yml", "merged").exitCode());
        Processes.Result f32 = evomerge("merge", "merge-gguf.yml", "merged.gguf", "--out-format", "gguf",
                "--out-type", "f32");
        assertEquals(0, f32.exitCode(), f32.toString());
        assertTrue(f32.out().contains("into " + temp.resolve("merged.gguf")), f32.out());
        assertEquals(0, evomerge("merge", "merge-gguf.yml", "merged-q8_0.gguf", "--out-format", "gguf", "--out-type",
                "q8_0").exitCode());
        assertEquals(0, evomerge("convert", "merged", "merged-f16.gguf", "--out-type", "f16").exitCode());
        String task = perplexityTask().toString();
        double safetensors = nll("merged", task);
        assertEquals(safetensors, nll("merged.gguf", task), 0.0, "float32 GGUF: the same bits");
        for (String rounded : new String[] {"merged-q8_0.gguf", "merged-f16.gguf"}) {
            double nll = nll(rounded, task);
            assertTrue(nll != safetensors && Math.abs(nll - safetensors) < 1e-3 * Math.abs(safetensors),
                    rounded + ": close, not equal: " + nll + " vs " + safetensors);
        }
    }

    /** A Q4_0 file evaluates in its blocks (the engine's fused kernels), near the float32 model, not equal to it. */
    @Test
    void aQ4_0FileEvaluatesNearTheFloat32Model() throws IOException {
        model("llama", 6, "LlamaForCausalLM");
        assertEquals(0, evomerge("convert", "llama", "llama-q4_0.gguf", "--out-type", "q4_0").exitCode());
        String task = perplexityTask().toString();
        double float32 = nll("llama", task);
        double q4 = nll("llama-q4_0.gguf", task);
        assertTrue(q4 != float32 && Math.abs(q4 - float32) < 1e-2 * Math.abs(float32),
                "Q4_0: close, not equal: " + q4 + " vs " + float32);
    }

    private double nll(String model, String task) throws IOException {
        JsonNode doc = json(evomerge("eval", "--model", model, "--task", task, "--json", "--no-cache"));
        return doc.get("tasks").get("ppl").get("nll").asDouble();
    }

    @Test
    void badRequestsAreOneLineErrorsWithTheirExitCodes() throws IOException {
        model("llama", 4, "LlamaForCausalLM");
        Files.writeString(temp.resolve("taken.gguf"), "mine");
        Processes.Result exists = evomerge("convert", "llama", "taken.gguf");
        assertEquals(2, exists.exitCode(), exists.toString());
        assertEquals("evomerge: error: " + temp.resolve("taken.gguf") + ": already exists; choose another output file"
                + " or allow overwriting it (--allow-overwrite)", exists.err().strip());
        assertArrayEquals("mine".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(temp.resolve("taken.gguf")));
        assertEquals(0, evomerge("convert", "llama", "taken.gguf", "--allow-overwrite").exitCode());

        model("gemma", 4, "GemmaForCausalLM");
        Processes.Result gemma = evomerge("convert", "gemma", "gemma.gguf");
        assertEquals(2, gemma.exitCode(), gemma.toString());
        assertEquals("evomerge: error: GGUF output is written for Llama, Mistral, Qwen2, Qwen3, Phi-3, Gemma 2 and"
                + " Gemma 3 text models (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM,"
                + " Phi3ForCausalLM, Gemma2ForCausalLM, Gemma3ForCausalLM); this model is GemmaForCausalLM",
                gemma.err().strip());

        Files.writeString(temp.resolve("llama/tokenizer.json"), "{\"model\": ");
        Processes.Result tokenizer = evomerge("convert", "llama", "broken.gguf");
        assertEquals(3, tokenizer.exitCode(), tokenizer.toString());
        assertTrue(tokenizer.err().startsWith("evomerge: error: " + temp.resolve("llama/tokenizer.json")
                + ": not valid JSON: "), tokenizer.err());
        assertEquals(1, tokenizer.err().strip().lines().count(), tokenizer.err());

        Processes.Result type = evomerge("convert", "llama", "x.gguf", "--out-type", "q2_k");
        assertEquals(2, type.exitCode(), type.toString());
        assertEquals(1, type.err().strip().lines().count(), type.err());
        assertTrue(type.err().contains("q2_k"), type.err());
        try (Stream<Path> left = Files.list(temp)) {
            assertFalse(left.anyMatch(p -> p.getFileName().toString().matches("(gemma|broken|x)\\.gguf|.*partial.*")),
                    "failed conversions leave nothing");
        }
    }
}
