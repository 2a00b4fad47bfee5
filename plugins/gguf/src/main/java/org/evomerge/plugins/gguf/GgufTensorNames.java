package org.evomerge.plugins.gguf;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama.cpp's tensor names to Hugging Face's and back, for the architectures that share Llama's layout (and add to it:
 * Qwen3's and Gemma 3's q/k norms, Gemma's norms around the attention and MLP, Phi-3's fused projections). Merges pair
 * tensors by name, so a GGUF model must present the names its safetensors twin has. Names this class does not know,
 * and every name of other architectures, are kept as the file has them.
 */
final class GgufTensorNames {

    /** {@code general.architecture} values whose GGUF files use Llama's tensor names. */
    static final Set<String> LLAMA_LAYOUT = Set.of("llama", "mistral", "qwen2", "qwen3", "phi3", "gemma2", "gemma3");

    private static final Pattern BLOCK = Pattern.compile("blk\\.([0-9]+)\\.([a-z_]+)\\.(weight|bias)");
    private static final Pattern GLOBAL = Pattern.compile("([a-z_]+)\\.(weight|bias)");
    private static final Pattern HF_BLOCK = Pattern.compile("model\\.layers\\.([0-9]+)\\.([a-z_.]+)\\.(weight|bias)");
    private static final Pattern HF_GLOBAL = Pattern.compile("([a-z_.]+)\\.(weight|bias)");
    /** Tensors llama.cpp's converter computes rather than reads, under their GGUF names. */
    private static final Set<String> GENERATED = Set.of("rope_freqs.weight");

    private static final Map<String, String> GLOBAL_NAMES = Map.of(
            "token_embd", "model.embed_tokens",
            "output_norm", "model.norm",
            "output", "lm_head");

    private static final Map<String, String> BLOCK_NAMES = Map.ofEntries(
            Map.entry("attn_q", "self_attn.q_proj"),
            Map.entry("attn_k", "self_attn.k_proj"),
            Map.entry("attn_v", "self_attn.v_proj"),
            Map.entry("attn_qkv", "self_attn.qkv_proj"),
            Map.entry("attn_q_norm", "self_attn.q_norm"),
            Map.entry("attn_k_norm", "self_attn.k_norm"),
            Map.entry("attn_output", "self_attn.o_proj"),
            Map.entry("ffn_gate", "mlp.gate_proj"),
            Map.entry("ffn_up", "mlp.up_proj"),
            Map.entry("ffn_down", "mlp.down_proj"),
            Map.entry("attn_norm", "input_layernorm"),
            Map.entry("ffn_norm", "post_attention_layernorm"));

    /** Gemma's four block norms: its {@code post_attention_layernorm} follows the attention, as in llama.cpp. */
    private static final Map<String, String> GEMMA_BLOCK_NAMES = Map.of(
            "post_attention_norm", "post_attention_layernorm",
            "ffn_norm", "pre_feedforward_layernorm",
            "post_ffw_norm", "post_feedforward_layernorm");

    /** Where an architecture's names differ from Llama's: Phi-3's fused gate and up projection is its ffn_up. */
    private static final Map<String, Map<String, String>> BLOCK_OVERRIDES = Map.of(
            "phi3", Map.of("ffn_up", "mlp.gate_up_proj"),
            "gemma2", GEMMA_BLOCK_NAMES,
            "gemma3", GEMMA_BLOCK_NAMES);

    private GgufTensorNames() {
    }

    /** The Hugging Face name of GGUF tensor {@code ggufName} in a model of {@code architecture}. */
    static String toHuggingFace(String architecture, String ggufName) {
        if (!LLAMA_LAYOUT.contains(architecture)) {
            return ggufName;
        }
        Matcher block = BLOCK.matcher(ggufName);
        if (block.matches()) {
            String part = blockNames(architecture).get(block.group(2));
            return part == null ? ggufName : "model.layers." + block.group(1) + "." + part + "." + block.group(3);
        }
        Matcher global = GLOBAL.matcher(ggufName);
        if (global.matches()) {
            String module = GLOBAL_NAMES.get(global.group(1));
            return module == null ? ggufName : module + "." + global.group(2);
        }
        return ggufName;
    }

    /**
     * The GGUF name llama.cpp's converter gives Hugging Face tensor {@code hfName} of a Llama-layout model of
     * {@code architecture} ({@code general.architecture}), or empty when it maps no such name. A name that is a GGUF
     * name already (a GGUF input keeps those the reader does not rename, such as {@code rope_freqs.weight}) is its
     * own GGUF name.
     */
    static Optional<String> toGguf(String architecture, String hfName) {
        Map<String, String> blockNames = blockNames(architecture);
        Matcher block = HF_BLOCK.matcher(hfName);
        if (block.matches()) {
            return inverse(blockNames, block.group(2))
                    .map(part -> "blk." + block.group(1) + "." + part + "." + block.group(3));
        }
        Matcher global = HF_GLOBAL.matcher(hfName);
        if (global.matches()) {
            Optional<String> module = inverse(GLOBAL_NAMES, global.group(1));
            if (module.isPresent()) {
                return Optional.of(module.get() + "." + global.group(2));
            }
        }
        if (GENERATED.contains(hfName) || isGgufName(blockNames, hfName)) {
            return Optional.of(hfName);
        }
        return Optional.empty();
    }

    /**
     * What llama.cpp's converter adds to GGUF tensor {@code ggufName} of {@code architecture}: 1 for Gemma's RMSNorm
     * weights ({@code *norm.weight}), which transformers applies as {@code 1 + w} and llama.cpp as stored; else 0.
     * The writer adds it and the reader subtracts it, so a GGUF Gemma presents the values of its safetensors twin.
     */
    static float normShift(String architecture, String ggufName) {
        return architecture.startsWith("gemma") && ggufName.endsWith("norm.weight") ? 1f : 0f;
    }

    /** GGUF block name to Hugging Face module, for {@code architecture}. */
    private static Map<String, String> blockNames(String architecture) {
        Map<String, String> overrides = BLOCK_OVERRIDES.get(architecture);
        if (overrides == null) {
            return BLOCK_NAMES;
        }
        Map<String, String> names = new HashMap<>(BLOCK_NAMES);
        names.putAll(overrides);
        return names;
    }

    private static boolean isGgufName(Map<String, String> blockNames, String name) {
        Matcher block = BLOCK.matcher(name);
        if (block.matches()) {
            return blockNames.containsKey(block.group(2));
        }
        Matcher global = GLOBAL.matcher(name);
        return global.matches() && GLOBAL_NAMES.containsKey(global.group(1));
    }

    private static Optional<String> inverse(Map<String, String> ggufToHf, String hf) {
        return ggufToHf.entrySet().stream().filter(e -> e.getValue().equals(hf)).map(Map.Entry::getKey).findFirst();
    }
}
