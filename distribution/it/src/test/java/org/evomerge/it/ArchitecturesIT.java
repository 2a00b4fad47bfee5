package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code evomerge eval} of the architectures that add to Llama's block (Qwen3, Gemma 2, Gemma 3's text model, Phi-3)
 * through the installed launcher: a random float32 safetensors folder with the {@code config.json} transformers
 * writes, and the GGUF file {@code evomerge convert} makes of it, score the same perplexity. (The engine's logits are
 * checked against float64 references in the inference module's {@code ArchitectureForwardTest}; this checks that the
 * CLI, both formats and the GGUF names and metadata of each architecture reach them.)
 */
class ArchitecturesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HIDDEN = 64;
    private static final int FFN = 96;
    private static final int VOCAB = 264;

    @TempDir
    Path temp;

    private Processes.Result evomerge(String... args) {
        return Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), args);
    }

    /** config.json as transformers writes it for each architecture, and the tensors' shapes. */
    private record Architecture(String config, Map<String, long[]> shapes) {
    }

    private static Architecture architecture(String name) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {VOCAB, HIDDEN});
        shapes.put("model.norm.weight", new long[] {HIDDEN});
        String config;
        int layers;
        int qDim;
        int kvDim;
        switch (name) {
            case "qwen3" -> {
                layers = 2;
                qDim = 4 * 32;
                kvDim = 2 * 32;
                config = """
                        {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 64,
                         "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4,
                         "num_key_value_heads": 2, "head_dim": 32, "vocab_size": 264, "max_position_embeddings": 512,
                         "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "rope_scaling": null, "hidden_act": "silu",
                         "attention_bias": false, "use_sliding_window": false, "sliding_window": null,
                         "max_window_layers": 2, "tie_word_embeddings": true, "bos_token_id": 256,
                         "eos_token_id": 257, "torch_dtype": "float32"}
                        """;
            }
            case "gemma2" -> {
                layers = 2;
                qDim = 4 * 16;
                kvDim = 2 * 16;
                config = """
                        {"architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2", "hidden_size": 64,
                         "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4,
                         "num_key_value_heads": 2, "head_dim": 16, "vocab_size": 264, "max_position_embeddings": 512,
                         "rms_norm_eps": 1e-06, "rope_theta": 10000.0, "hidden_act": "gelu_pytorch_tanh",
                         "hidden_activation": "gelu_pytorch_tanh", "query_pre_attn_scalar": 16,
                         "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0, "sliding_window": 16,
                         "bos_token_id": 256, "eos_token_id": 257, "torch_dtype": "float32"}
                        """;
            }
            case "gemma3" -> {
                layers = 6;
                qDim = 4 * 16;
                kvDim = 16;
                config = """
                        {"architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "hidden_size": 64,
                         "intermediate_size": 96, "num_hidden_layers": 6, "num_attention_heads": 4,
                         "num_key_value_heads": 1, "head_dim": 16, "vocab_size": 264, "max_position_embeddings": 512,
                         "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
                         "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
                         "hidden_activation": "gelu_pytorch_tanh",
                         "query_pre_attn_scalar": 16, "attn_logit_softcapping": null, "final_logit_softcapping": null,
                         "sliding_window": 16, "sliding_window_pattern": 6, "bos_token_id": 256, "eos_token_id": 257,
                         "torch_dtype": "float32"}
                        """;
            }
            case "phi3" -> {
                layers = 2;
                qDim = HIDDEN;
                kvDim = HIDDEN;
                config = """
                        {"architectures": ["Phi3ForCausalLM"], "model_type": "phi3", "hidden_size": 64,
                         "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4,
                         "num_key_value_heads": 4, "vocab_size": 264, "max_position_embeddings": 512,
                         "original_max_position_embeddings": 512, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
                         "rope_scaling": null, "partial_rotary_factor": 0.5, "sliding_window": 32,
                         "hidden_act": "silu", "tie_word_embeddings": false, "bos_token_id": 256,
                         "eos_token_id": 257, "torch_dtype": "float32"}
                        """;
                shapes.put("lm_head.weight", new long[] {VOCAB, HIDDEN});
            }
            default -> throw new IllegalArgumentException(name);
        }
        boolean gemma = name.startsWith("gemma");
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {HIDDEN});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {HIDDEN});
            if (gemma) {
                shapes.put(p + "pre_feedforward_layernorm.weight", new long[] {HIDDEN});
                shapes.put(p + "post_feedforward_layernorm.weight", new long[] {HIDDEN});
            }
            if (name.equals("qwen3") || name.equals("gemma3")) {
                shapes.put(p + "self_attn.q_norm.weight", new long[] {qDim / 4});
                shapes.put(p + "self_attn.k_norm.weight", new long[] {qDim / 4});
            }
            if (name.equals("phi3")) {
                shapes.put(p + "self_attn.qkv_proj.weight", new long[] {qDim + 2L * kvDim, HIDDEN});
                shapes.put(p + "mlp.gate_up_proj.weight", new long[] {2L * FFN, HIDDEN});
            } else {
                shapes.put(p + "self_attn.q_proj.weight", new long[] {qDim, HIDDEN});
                shapes.put(p + "self_attn.k_proj.weight", new long[] {kvDim, HIDDEN});
                shapes.put(p + "self_attn.v_proj.weight", new long[] {kvDim, HIDDEN});
                shapes.put(p + "mlp.gate_proj.weight", new long[] {FFN, HIDDEN});
                shapes.put(p + "mlp.up_proj.weight", new long[] {FFN, HIDDEN});
            }
            shapes.put(p + "self_attn.o_proj.weight", new long[] {HIDDEN, qDim});
            shapes.put(p + "mlp.down_proj.weight", new long[] {HIDDEN, FFN});
        }
        return new Architecture(config, shapes);
    }

    /** A float32 safetensors folder of {@code name} with GgufIT's byte-level tokenizer; norms near Gemma's 0. */
    private Path model(String name) throws IOException {
        Architecture architecture = architecture(name);
        Path folder = Files.createDirectories(temp.resolve(name));
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> e : architecture.shapes().entrySet()) {
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
        Random random = new Random(name.hashCode());
        double normCentre = name.startsWith("gemma") ? 0 : 1;
        for (long[] shape : architecture.shapes().values()) {
            long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            for (long i = 0; i < count; i++) {
                file.putFloat(shape.length == 1 ? (float) (normCentre + 0.1 * random.nextGaussian())
                        : (float) ((shape[0] == VOCAB ? 1.0 : 0.15) * random.nextGaussian()));
            }
        }
        Files.write(folder.resolve("model.safetensors"), file.array());
        Files.writeString(folder.resolve("config.json"), architecture.config());
        GgufIT.writeTokenizer(folder);
        return folder;
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

    private JsonNode perplexity(String model, Path task) throws IOException {
        Processes.Result result = evomerge("eval", "--model", model, "--task", task.toString(), "--json",
                "--no-cache");
        assertEquals(0, result.exitCode(), result.toString());
        return JSON.readTree(result.out()).get("tasks").get("ppl");
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "gemma2", "gemma3", "phi3"})
    void aSafetensorsFolderAndItsGgufScoreTheSamePerplexity(String name) throws IOException {
        Path folder = model(name);
        Path task = perplexityTask();
        JsonNode safetensors = perplexity(folder.toString(), task);
        double nll = safetensors.get("nll").asDouble();
        assertEquals(184.0, safetensors.get("tokens").asDouble());
        assertTrue(nll > 0 && Double.isFinite(nll), name + " nll " + nll);

        Processes.Result converted = evomerge("convert", name, name + ".gguf", "--out-type", "f32");
        assertEquals(0, converted.exitCode(), converted.toString());
        JsonNode gguf = perplexity(temp.resolve(name + ".gguf").toString(), task);
        assertEquals(nll, gguf.get("nll").asDouble(), 1e-6 * nll, name + ": GGUF against safetensors");

        Processes.Result q8 = evomerge("convert", name, name + "-q8_0.gguf", "--out-type", "q8_0");
        assertEquals(0, q8.exitCode(), q8.toString());
        double quantized = perplexity(temp.resolve(name + "-q8_0.gguf").toString(), task).get("nll").asDouble();
        assertEquals(nll, quantized, 0.01 * nll, name + ": Q8_0 GGUF against safetensors");
    }
}
