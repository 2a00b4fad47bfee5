package org.evomerge.plugins.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;

/** config.json values to GGUF hyperparameters as llama.cpp's converter (with transformers' defaults) writes them. */
class GgufHyperparametersTest {

    private static Map<String, Object> llama31() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architectures", List.of("LlamaForCausalLM"));
        config.put("hidden_size", 4096);
        config.put("intermediate_size", 14336);
        config.put("num_hidden_layers", 32);
        config.put("num_attention_heads", 32);
        config.put("num_key_value_heads", 8);
        config.put("max_position_embeddings", 131072);
        config.put("rms_norm_eps", 1e-5);
        config.put("rope_theta", 500000.0);
        config.put("rope_scaling", Map.of("factor", 8.0, "low_freq_factor", 1.0, "high_freq_factor", 4.0,
                "original_max_position_embeddings", 8192, "rope_type", "llama3"));
        config.put("vocab_size", 128256);
        return config;
    }

    @Test
    void llama3RopeScalingGivesTheFactorsTorchComputes() {
        // convert_hf_to_gguf.py's LlamaModel.generate_extra_tensors for Llama 3.1 8B, run with torch 1.13 (float32).
        String[] torch = ("3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000"
                + " 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000"
                + " 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f9a8ed5"
                + " 3fc6d64a 4001af1d 402c732e 406bcace 40a83c06 41000000 41000000 41000000 41000000 41000000"
                + " 41000000 41000000 41000000 41000000 41000000 41000000 41000000 41000000 41000000 41000000"
                + " 41000000 41000000 41000000 41000000 41000000 41000000 41000000 41000000 41000000 41000000"
                + " 41000000 41000000 41000000 41000000").split(" ");
        float[] expected = new float[torch.length];
        for (int i = 0; i < torch.length; i++) {
            expected[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(torch[i], 16));
        }
        assertArrayEquals(expected, GgufHyperparameters.of(llama31()).llama3RopeFactors().orElseThrow());
    }

    @Test
    void writesTheConvertersKeysInItsOrderWithTransformersDefaults() {
        Map<String, Object> config = llama31();
        config.remove("max_position_embeddings");
        config.remove("rms_norm_eps");
        config.remove("rope_scaling");
        GgufMetadata metadata = new GgufMetadata();
        GgufHyperparameters.of(config).addTo(metadata, 7);
        assertEquals(List.of("llama.block_count", "llama.context_length", "llama.embedding_length",
                "llama.feed_forward_length", "llama.attention.head_count", "llama.attention.head_count_kv",
                "llama.rope.freq_base", "llama.attention.layer_norm_rms_epsilon", "llama.attention.key_length",
                "llama.attention.value_length", "general.file_type", "llama.vocab_size", "llama.rope.dimension_count"),
                List.copyOf(metadata.keys()));
        assertTrue(GgufHyperparameters.of(config).llama3RopeFactors().isEmpty());
    }

    @Test
    void mistralIsWrittenAsLlamaAndQwen2AsQwen2WithoutLlamasExtraKeys() {
        Map<String, Object> mistral = llama31();
        mistral.put("architectures", List.of("MistralForCausalLM"));
        assertEquals("llama", GgufHyperparameters.of(mistral).architecture());
        assertTrue(GgufHyperparameters.of(mistral).permutesQueryKeyRows());

        Map<String, Object> qwen = llama31();
        qwen.put("architectures", List.of("Qwen2ForCausalLM"));
        qwen.put("rope_scaling", Map.of("type", "yarn", "factor", 4.0, "original_max_position_embeddings", 32768));
        GgufHyperparameters hyper = GgufHyperparameters.of(qwen);
        assertEquals("qwen2", hyper.architecture());
        assertFalse(hyper.permutesQueryKeyRows());
        GgufMetadata metadata = new GgufMetadata();
        hyper.addTo(metadata, 1);
        assertEquals(List.of("qwen2.block_count", "qwen2.context_length", "qwen2.embedding_length",
                "qwen2.feed_forward_length", "qwen2.attention.head_count", "qwen2.attention.head_count_kv",
                "qwen2.rope.scaling.type", "qwen2.rope.scaling.factor", "qwen2.rope.scaling.original_context_length",
                "qwen2.rope.freq_base", "qwen2.attention.layer_norm_rms_epsilon", "general.file_type"),
                List.copyOf(metadata.keys()));
    }

    @Test
    void otherArchitecturesAreAConfigurationError() {
        Map<String, Object> gemma = llama31();
        gemma.put("architectures", List.of("GemmaForCausalLM"));
        EvomergeException e = assertThrows(EvomergeException.class, () -> GgufHyperparameters.of(gemma));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertEquals("GGUF output is written for Llama, Mistral, Qwen2, Qwen3, Phi-3, Gemma 2 and Gemma 3"
                + " text models (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM,"
                + " Phi3ForCausalLM, Gemma2ForCausalLM, Gemma3ForCausalLM); this model is GemmaForCausalLM",
                e.getMessage());
    }

    @Test
    void aMissingSizeIsAnInputErrorNamingTheKey() {
        Map<String, Object> config = llama31();
        config.remove("num_hidden_layers");
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> GgufHyperparameters.of(config).addTo(new GgufMetadata(), 1));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertEquals("config.json states no num_hidden_layers, which a GGUF file needs", e.getMessage());
    }

    @Test
    void namesAreTheFileNameTitleCasedAsGgufPyTitleCasesAFolderName() {
        // Expected values printed by gguf-py's Metadata.id_to_title (Python 3.11).
        assertEquals("M Bin", GgufFilePlan.modelName("m-bin.gguf"));
        assertEquals("Llama3 8b Merged", GgufFilePlan.modelName("llama3-8b-merged.gguf"));
        assertEquals("Mistral 7B v0.1 Slerp", GgufFilePlan.modelName("Mistral-7B-v0.1-slerp.gguf"));
        assertEquals("It'S Ties", GgufFilePlan.modelName("it's-ties"));
    }

    @Test
    void sizeLabelsAreGgufPys() {
        // Expected values printed by gguf-py's model_weight_count_rounded_notation (Python 3.11).
        assertEquals("94K", GgufFilePlan.sizeLabel(94_016));
        assertEquals("8.0B", GgufFilePlan.sizeLabel(8_030_261_248L));
        assertEquals("1.2B", GgufFilePlan.sizeLabel(1_235_814_400L));
        assertEquals("135M", GgufFilePlan.sizeLabel(134_515_008L));
        assertEquals("0.25K", GgufFilePlan.sizeLabel(250));
        assertEquals("71B", GgufFilePlan.sizeLabel(70_553_706_496L));
    }
}
