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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evomerge merge} with a mergekit {@code modules:} recipe on two hand-built Mistral-3-shaped safetensors models
 * (text decoder under {@code language_model.}, Pixtral-style vision tower under {@code vision_tower.}, projector):
 * each module is merged with its own inputs and parameters, bad module names exit 2 naming them, and keys mergekit
 * ignores are ignored with a warning (exit 2 with --strict).
 */
class MultiModuleMergeIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TEXT_LAYERS = 2;
    private static final int VISION_LAYERS = 3;

    @TempDir
    Path temp;

    private static Map<String, long[]> shapes() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("language_model.model.embed_tokens.weight", new long[] {16, 8});
        for (int l = 0; l < TEXT_LAYERS; l++) {
            for (String p : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                shapes.put("language_model.model.layers." + l + ".self_attn." + p + ".weight", new long[] {8, 8});
            }
            shapes.put("language_model.model.layers." + l + ".mlp.up_proj.weight", new long[] {12, 8});
            shapes.put("language_model.model.layers." + l + ".input_layernorm.weight", new long[] {8});
        }
        shapes.put("language_model.model.norm.weight", new long[] {8});
        shapes.put("language_model.lm_head.weight", new long[] {16, 8});
        shapes.put("vision_tower.patch_conv.weight", new long[] {6, 3});
        shapes.put("vision_tower.ln_pre.weight", new long[] {6});
        for (int l = 0; l < VISION_LAYERS; l++) {
            shapes.put("vision_tower.transformer.layers." + l + ".attention.q_proj.weight", new long[] {6, 6});
            shapes.put("vision_tower.transformer.layers." + l + ".feed_forward.up_proj.weight", new long[] {10, 6});
            shapes.put("vision_tower.transformer.layers." + l + ".ffn_norm.weight", new long[] {6});
        }
        shapes.put("multi_modal_projector.linear_1.weight", new long[] {8, 6});
        return shapes;
    }

    private static float value(int model, String name, int i) {
        return model + Math.floorMod(name.hashCode(), 1000) / 1000f + i / 256f;
    }

    /** A safetensors model folder: F32 tensors, a Mistral 3 config with nested text and vision layer counts. */
    private static Path model(Path folder, int id) throws IOException {
        Files.createDirectories(folder);
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes().entrySet()) {
            long count = 1;
            for (long d : e.getValue()) {
                count *= d;
            }
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
            long count = 1;
            for (long d : e.getValue()) {
                count *= d;
            }
            for (int i = 0; i < count; i++) {
                file.putFloat(value(id, e.getKey(), i));
            }
        }
        Files.write(folder.resolve("model.safetensors"), file.array());
        Files.writeString(folder.resolve("config.json"), """
                {"architectures": ["Mistral3ForConditionalGeneration"], "model_type": "mistral3",
                 "text_config": {"model_type": "mistral", "num_hidden_layers": %d, "hidden_size": 8, "vocab_size": 16},
                 "vision_config": {"model_type": "pixtral", "num_hidden_layers": %d, "hidden_size": 6}}
                """.formatted(TEXT_LAYERS, VISION_LAYERS));
        return folder;
    }

    @Test
    void mergesEachModuleWithItsOwnRecipeAndRefusesUnknownModules() throws IOException {
        model(temp.resolve("vlm-a"), 1);
        model(temp.resolve("vlm-b"), 2);
        Files.writeString(temp.resolve("modules.yml"), """
                merge_method: linear
                dtype: float32
                modules:
                  text_decoder:
                    models:
                      - {model: vlm-a, parameters: {weight: 0.25}}
                      - {model: vlm-b, parameters: {weight: 0.75}}
                  vision_tower:
                    slices:
                      - sources: [{model: vlm-b, layer_range: [0, 1]}]
                      - sources: [{model: vlm-a, layer_range: [1, 3]}]
                    parameters: {weight: 1.0}
                  multi_modal_projector:
                    models: [{model: vlm-a}, {model: vlm-b}]
                    parameters: {weight: [{filter: linear_1, value: 0.5}]}
                """);
        Path out = temp.resolve("out");
        Processes.Result result = Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), "merge",
                "modules.yml", out.toString());
        assertEquals(0, result.exitCode(), result.toString());

        Map<String, MergekitGoldenIT.Tensor> merged = MergekitGoldenIT.read(out);
        assertEquals(shapes().keySet(), merged.keySet());
        for (Map.Entry<String, MergekitGoldenIT.Tensor> e : merged.entrySet()) {
            String name = e.getKey();
            double[] values = e.getValue().values();
            for (int i = 0; i < values.length; i += 5) {
                double expected;
                if (name.startsWith("language_model.") || name.startsWith("multi_modal_projector.")) {
                    double wa = name.startsWith("language_model.") ? 0.25 : 0.5;
                    expected = wa * value(1, name, i) + (1 - wa) * value(2, name, i);
                } else if (name.contains(".layers.0.") || !name.contains(".layers.")) {
                    expected = value(2, name, i); // first vision slice (and the pre-layer weights) from vlm-b
                } else {
                    expected = value(1, name, i); // output vision layers 1 and 2 are vlm-a's 1 and 2
                }
                assertEquals(expected, values[i], 1e-5, name + "[" + i + "]");
            }
        }
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals(VISION_LAYERS, config.get("vision_config").get("num_hidden_layers").asInt());
        assertEquals(TEXT_LAYERS, config.get("text_config").get("num_hidden_layers").asInt());
        assertTrue(Files.readString(out.resolve("mergekit_config.yml")).contains("vision_tower:"));

        Files.writeString(temp.resolve("unknown.yml"), """
                merge_method: linear
                modules:
                  audio_tower: {models: [{model: vlm-a}]}
                """);
        result = Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), "merge", "unknown.yml",
                temp.resolve("out2").toString());
        assertEquals(2, result.exitCode(), result.toString());
        assertTrue(result.err().contains("unknown module 'audio_tower'"), result.toString());
        assertEquals(1, result.err().strip().lines().count(), result.toString());
        assertFalse(result.err().contains("Exception"), result.toString());

        Files.writeString(temp.resolve("badkey.yml"), """
                merge_method: linear
                modules:
                  text_decoder: {models: [{model: vlm-a}], layer_range: [0, 1], parameters: {weight: 1.0}}
                """);
        result = Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), "merge", "badkey.yml",
                temp.resolve("out3").toString(), "--strict");
        assertEquals(2, result.exitCode(), result.toString());
        assertTrue(result.err().contains("unknown key 'layer_range' in modules.text_decoder"), result.toString());
        assertFalse(Files.exists(temp.resolve("out2")) || Files.exists(temp.resolve("out3")));
        // Without --strict the key is ignored, as mergekit's OutputModuleDefinition ignores it, with a warning.
        result = Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), "merge", "badkey.yml",
                temp.resolve("out3").toString());
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.err().contains("warning: " + temp.resolve("badkey.yml") + ": unknown key 'layer_range' in"
                + " modules.text_decoder ignored"), result.toString());
    }
}
