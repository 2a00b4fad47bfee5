package org.evomerge.api.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The typed facts come from Hugging Face keys and their aliases, then from what the format inferred. */
class ModelConfigTest {

    @Test
    void llamaFactsComeFromTheirHuggingFaceKeys() {
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("architectures", List.of("LlamaForCausalLM"));
        raw.put("hidden_size", 4096);
        raw.put("intermediate_size", 14336);
        raw.put("max_position_embeddings", 131072);
        raw.put("model_type", "llama");
        raw.put("num_attention_heads", 32);
        raw.put("num_hidden_layers", 32);
        raw.put("num_key_value_heads", 8);
        raw.put("rms_norm_eps", 1e-5);
        raw.put("rope_scaling", null);
        raw.put("rope_theta", 500000.0);
        raw.put("tie_word_embeddings", false);
        raw.put("vocab_size", 128256);
        ModelConfig config = ModelConfig.of(raw);
        assertEquals("LlamaForCausalLM", config.architecture());
        assertEquals("llama", config.modelType());
        assertEquals(32, config.numLayers());
        assertEquals(4096, config.hiddenSize());
        assertEquals(14336, config.intermediateSize());
        assertEquals(32, config.numHeads());
        assertEquals(8, config.numKeyValueHeads());
        assertEquals(128, config.headDim(), "hidden / heads when head_dim is not stated");
        assertEquals(128256, config.vocabSize());
        assertFalse(config.tiedEmbeddings());
        assertEquals(500000.0, config.ropeTheta());
        assertEquals(1e-5, config.rmsNormEps());
        assertEquals(131072, config.maxPositionEmbeddings());
        assertEquals(List.copyOf(raw.keySet()), List.copyOf(config.raw().keySet()), "file order, nulls kept");
    }

    @Test
    void gpt2NamesAreAliases() {
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("model_type", "gpt2");
        raw.put("n_layer", 12);
        raw.put("n_embd", 768);
        raw.put("n_head", 12);
        raw.put("n_inner", null);
        raw.put("n_positions", 1024);
        raw.put("layer_norm_epsilon", 1e-5);
        ModelConfig config = ModelConfig.of(raw);
        assertEquals("gpt2", config.architecture(), "the model type when no architecture is declared");
        assertEquals(12, config.numLayers());
        assertEquals(768, config.hiddenSize());
        assertEquals(3072, config.intermediateSize(), "GPT-2's null n_inner means 4 × n_embd");
        assertEquals(12, config.numKeyValueHeads());
        assertEquals(64, config.headDim());
        assertEquals(1024, config.maxPositionEmbeddings());
        assertEquals(1e-5, config.rmsNormEps());
    }

    @Test
    void aMultimodalConfigurationStatesItsLanguageModelUnderTextConfig() {
        ModelConfig config = ModelConfig.of(Map.of("architectures", List.of("Mistral3ForConditionalGeneration"),
                "text_config", Map.of("num_hidden_layers", 40, "hidden_size", 5120, "tie_word_embeddings", true),
                "vision_config", Map.of("num_hidden_layers", 24)));
        assertEquals(40, config.numLayers());
        assertEquals(5120, config.hiddenSize());
        assertTrue(config.tiedEmbeddings());
    }

    @Test
    void whatTheFormatInferredFillsWhatTheConfigurationLeavesUnstated() {
        Map<String, Object> inferred = Map.of("num_hidden_layers", 6, "tie_word_embeddings", true);
        ModelConfig unstated = new ModelConfig(Map.of("model_type", "llama"), inferred);
        assertEquals(6, unstated.numLayers());
        assertTrue(unstated.tiedEmbeddings());
        ModelConfig stated = new ModelConfig(Map.of("num_hidden_layers", 4, "tie_word_embeddings", false), inferred);
        assertEquals(4, stated.numLayers());
        assertFalse(stated.tiedEmbeddings());
        assertEquals(6, new ModelConfig(Map.of("num_hidden_layers", 0), inferred).numLayers(),
                "a stated 0 is no layer count");
        assertEquals(inferred, stated.withRaw(Map.of()).inferred(), "a new raw configuration keeps the inferred facts");
    }

    @Test
    void aFactNobodyStatesIsZero() {
        ModelConfig config = ModelConfig.empty();
        assertEquals("", config.architecture());
        assertEquals(List.of(), config.architectures());
        assertEquals(0, config.numLayers());
        assertEquals(0, config.headDim());
        assertEquals(0.0, config.ropeTheta());
        assertFalse(config.tiedEmbeddings());
    }

    @Test
    void withStatesOneKeyInItsPlace() {
        ModelConfig config = ModelConfig.of(Map.of("hidden_size", 8)).with("num_attention_heads", 2)
                .with("hidden_size", 16);
        assertEquals(List.of("hidden_size", "num_attention_heads"), List.copyOf(config.raw().keySet()));
        assertEquals(8, config.headDim());
    }

    @Test
    void aValueOfTheWrongTypeIsNamedByItsKey() {
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.of(Map.of("num_hidden_layers", 2.5)).validate());
        assertEquals("'num_hidden_layers' must be a non-negative whole number, got 2.5", count.getMessage());
        IllegalArgumentException real = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.of(Map.of("rope_theta", "big")).validate());
        assertEquals("'rope_theta' must be a number, got big", real.getMessage());
    }
}
