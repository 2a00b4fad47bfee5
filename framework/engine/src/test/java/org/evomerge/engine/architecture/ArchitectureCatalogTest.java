package org.evomerge.engine.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchitectureCatalogTest {

    @TempDir
    Path temp;

    private static ModelConfig config(String architecture, String modelType) {
        Map<String, Object> stated = new java.util.LinkedHashMap<>();
        stated.put("architectures", architecture == null ? List.of() : List.of(architecture));
        stated.put("model_type", modelType);
        return ModelConfig.of(stated);
    }

    private static void assertPlacement(ArchitectureDescription d, String tensor, TensorRole role, int layer) {
        TensorPlacement p = d.classify(tensor);
        assertEquals(role, p.role(), tensor);
        assertEquals(layer < 0 ? OptionalInt.empty() : OptionalInt.of(layer), p.layer(), tensor);
    }

    @Test
    void classifiesLlamaFamilyTensors() {
        ArchitectureCatalog catalog = ArchitectureCatalog.load(List.of());
        ArchitectureDescription llama = catalog.find(config("Qwen2ForCausalLM", "qwen2")).orElseThrow();
        assertEquals("llama", llama.name());
        assertPlacement(llama, "model.embed_tokens.weight", TensorRole.EMBEDDING, -1);
        assertPlacement(llama, "model.layers.0.self_attn.q_proj.weight", TensorRole.ATTENTION, 0);
        assertPlacement(llama, "model.layers.17.self_attn.k_proj.bias", TensorRole.ATTENTION, 17);
        assertPlacement(llama, "model.layers.3.self_attn.q_norm.weight", TensorRole.NORM, 3);
        assertPlacement(llama, "model.layers.31.mlp.down_proj.weight", TensorRole.MLP, 31);
        assertPlacement(llama, "model.layers.2.post_attention_layernorm.weight", TensorRole.NORM, 2);
        assertPlacement(llama, "model.norm.weight", TensorRole.FINAL_NORM, -1);
        assertPlacement(llama, "lm_head.weight", TensorRole.OUTPUT_HEAD, -1);
        assertPlacement(llama, "model.rotary_emb.inv_freq", TensorRole.OTHER, -1);
        assertTrue(llama.classify("model.embed_tokens.weight").isBeforeLayers());
        assertTrue(llama.classify("lm_head.weight").isAfterLayers());
    }

    @Test
    void classifiesMixtralRoutersAndExpertsByLayer() {
        ArchitectureDescription mixtral = ArchitectureCatalog.load(List.of())
                .find(config("MixtralForCausalLM", "mixtral")).orElseThrow();
        assertEquals("mixtral", mixtral.name());
        assertPlacement(mixtral, "model.layers.4.block_sparse_moe.gate.weight", TensorRole.MLP, 4);
        assertPlacement(mixtral, "model.layers.4.block_sparse_moe.experts.7.w2.weight", TensorRole.MLP, 4);
        assertPlacement(mixtral, "model.layers.1.mlp.experts.gate_up_proj", TensorRole.MLP, 1);
        assertPlacement(mixtral, "model.layers.0.self_attn.o_proj.weight", TensorRole.ATTENTION, 0);
        assertPlacement(mixtral, "model.layers.0.post_attention_layernorm.weight", TensorRole.NORM, 0);
        assertPlacement(mixtral, "lm_head.weight", TensorRole.OUTPUT_HEAD, -1);
    }

    @Test
    void findsEveryCommonFamilyByArchitectureOrModelType() {
        ArchitectureCatalog catalog = ArchitectureCatalog.load(List.of());
        assertEquals("llama", catalog.find(config("MistralForCausalLM", "")).orElseThrow().name());
        assertEquals("llama", catalog.find(config(null, "qwen3")).orElseThrow().name());
        assertEquals("gemma", catalog.find(config("Gemma2ForCausalLM", "gemma2")).orElseThrow().name());
        assertEquals("phi3", catalog.find(config("Phi3ForCausalLM", "phi3")).orElseThrow().name());
        ArchitectureDescription gpt2 = catalog.find(config("GPT2LMHeadModel", "gpt2")).orElseThrow();
        assertPlacement(gpt2, "h.5.attn.c_attn.weight", TensorRole.ATTENTION, 5);
        assertPlacement(gpt2, "transformer.h.11.mlp.c_fc.bias", TensorRole.MLP, 11);
        assertPlacement(gpt2, "wpe.weight", TensorRole.POSITION_EMBEDDING, -1);
        ArchitectureDescription bert = catalog.find(config("BertModel", "bert")).orElseThrow();
        assertPlacement(bert, "bert.encoder.layer.7.attention.self.query.weight", TensorRole.ATTENTION, 7);
        assertPlacement(bert, "encoder.layer.2.intermediate.dense.weight", TensorRole.MLP, 2);
        assertPlacement(bert, "bert.encoder.layer.7.output.LayerNorm.bias", TensorRole.NORM, 7);
        assertPlacement(bert, "bert.embeddings.word_embeddings.weight", TensorRole.EMBEDDING, -1);
        assertTrue(catalog.find(config("MambaForCausalLM", "mamba")).isEmpty());
        assertEquals(TensorRole.OTHER, catalog.findOrGeneric(config("MambaForCausalLM", "mamba"))
                .classify("backbone.layers.0.mixer.in_proj.weight").role());
    }

    @Test
    void usersAddAndReplaceDescriptionsWithDataFiles() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("archs"));
        Files.writeString(folder.resolve("mamba.yaml"), """
                name: mamba
                model_types: [mamba]
                tensors:
                  - {pattern: "backbone.embeddings.weight", role: embedding}
                  - {pattern: "backbone.layers.{layer}.mixer.*.*", role: mlp}
                  - {pattern: "backbone.norm_f.weight", role: final_norm}
                """);
        Files.writeString(folder.resolve("llama.yaml"), """
                name: llama
                architectures: [LlamaForCausalLM]
                tensors:
                  - {pattern: "*", role: other}
                """);
        ArchitectureCatalog catalog = ArchitectureCatalog.load(List.of(folder, temp.resolve("missing")));
        ArchitectureDescription mamba = catalog.find(config(null, "mamba")).orElseThrow();
        assertPlacement(mamba, "backbone.layers.12.mixer.in_proj.weight", TensorRole.MLP, 12);
        assertTrue(catalog.find(config("LlamaForCausalLM", "llama")).orElseThrow().source().endsWith("llama.yaml"));
    }

    @Test
    void badDescriptionFilesNameTheFileAndTheProblem() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("bad"));
        Files.writeString(folder.resolve("x.yaml"), "name: x\ntensors:\n  - {pattern: 'a.{layer}', role: brain}\n");
        EvomergeException e = assertThrows(EvomergeException.class, () -> ArchitectureCatalog.load(List.of(folder)));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().contains("x.yaml") && e.getMessage().contains("unknown role 'brain'"), e.getMessage());
        Files.writeString(folder.resolve("x.yaml"), "name: x\ntensor: []\n");
        e = assertThrows(EvomergeException.class, () -> ArchitectureCatalog.load(List.of(folder)));
        assertTrue(e.getMessage().contains("unknown key 'tensor'"), e.getMessage());
    }

    @Test
    void multiModuleDescriptionsClassifyEachModulesWeightsUnderItsPrefix() throws IOException {
        ArchitectureCatalog catalog = ArchitectureCatalog.load(List.of());
        ArchitectureDescription mistral3 = catalog.find(config("Mistral3ForConditionalGeneration", "mistral3"))
                .orElseThrow();
        assertEquals(List.of("text_decoder", "vision_tower", "multi_modal_projector"),
                mistral3.modules().stream().map(ArchitectureDescription.Module::name).toList());
        assertPlacement(mistral3, "language_model.model.layers.39.mlp.up_proj.weight", TensorRole.MLP, 39);
        assertPlacement(mistral3, "language_model.lm_head.weight", TensorRole.OUTPUT_HEAD, -1);
        assertPlacement(mistral3, "vision_tower.transformer.layers.23.attention.k_proj.weight", TensorRole.ATTENTION,
                23);
        assertPlacement(mistral3, "lm_head.weight", TensorRole.OTHER, -1); // not under a module's prefix
        assertEquals("multi_modal_projector",
                mistral3.moduleOf("multi_modal_projector.linear_2.weight").orElseThrow().name());
        assertTrue(mistral3.moduleOf("model.layers.0.mlp.up_proj.weight").isEmpty());
        assertEquals("text_config.num_hidden_layers", mistral3.modules().getFirst().layersKey().orElseThrow());
        // A single-stack description is one module named "default", as in mergekit.
        assertEquals(List.of("default"), catalog.find(config("LlamaForCausalLM", "llama")).orElseThrow()
                .effectiveModules().stream().map(ArchitectureDescription.Module::name).toList());

        Path folder = Files.createDirectories(temp.resolve("modular"));
        Files.writeString(folder.resolve("vlm.yaml"), """
                name: vlm
                model_types: [vlm]
                modules:
                  decoder:
                    prefix: "text."
                    tensors: [{pattern: "blocks.{layer}.*", role: mlp}]
                  tower:
                    prefix: "tower."
                    layers: vision.depth
                    tensors: [{pattern: "blocks.{layer}.*", role: attention}]
                """);
        ArchitectureDescription vlm = ArchitectureCatalog.load(List.of(folder)).find(config(null, "vlm")).orElseThrow();
        assertPlacement(vlm, "tower.blocks.4.w", TensorRole.ATTENTION, 4);
        assertPlacement(vlm, "text.blocks.2.w", TensorRole.MLP, 2);
        Files.writeString(folder.resolve("vlm.yaml"), "name: vlm\nmodules: {decoder: {prefix: 'a.', depth: 3,"
                + " tensors: [{pattern: x, role: mlp}]}}\n");
        EvomergeException e = assertThrows(EvomergeException.class, () -> ArchitectureCatalog.load(List.of(folder)));
        assertTrue(e.getMessage().contains("unknown key 'depth' in 'modules.decoder'"), e.getMessage());
        Files.writeString(folder.resolve("vlm.yaml"), "name: vlm\nmodules: {decoder: {prefix: 'a.'}}\n");
        e = assertThrows(EvomergeException.class, () -> ArchitectureCatalog.load(List.of(folder)));
        assertTrue(e.getMessage().contains("'modules.decoder.tensors' must be a non-empty list"), e.getMessage());
    }
}
