package org.evomerge.plugins.gguf;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama.cpp's tensor names to Hugging Face's and back, for the architectures that share Llama's layout. Merges pair
 * tensors by name, so a GGUF model must present the names its safetensors twin has. Names this class does not know,
 * and every name of other architectures, are kept as the file has them.
 */
final class GgufTensorNames {

    /** {@code general.architecture} values whose GGUF files use Llama's tensor names. */
    static final Set<String> LLAMA_LAYOUT = Set.of("llama", "mistral", "qwen2");

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

    private static final Map<String, String> BLOCK_NAMES = Map.of(
            "attn_q", "self_attn.q_proj",
            "attn_k", "self_attn.k_proj",
            "attn_v", "self_attn.v_proj",
            "attn_output", "self_attn.o_proj",
            "ffn_gate", "mlp.gate_proj",
            "ffn_up", "mlp.up_proj",
            "ffn_down", "mlp.down_proj",
            "attn_norm", "input_layernorm",
            "ffn_norm", "post_attention_layernorm");

    private GgufTensorNames() {
    }

    /** The Hugging Face name of GGUF tensor {@code ggufName} in a model of {@code architecture}. */
    static String toHuggingFace(String architecture, String ggufName) {
        if (!LLAMA_LAYOUT.contains(architecture)) {
            return ggufName;
        }
        Matcher block = BLOCK.matcher(ggufName);
        if (block.matches()) {
            String part = BLOCK_NAMES.get(block.group(2));
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
     * The GGUF name llama.cpp's converter gives Hugging Face tensor {@code hfName} of a Llama-layout model, or empty
     * when it maps no such name. A name that is a GGUF name already (a GGUF input keeps those the reader does not
     * rename, such as {@code rope_freqs.weight}) is its own GGUF name.
     */
    static Optional<String> toGguf(String hfName) {
        Matcher block = HF_BLOCK.matcher(hfName);
        if (block.matches()) {
            return inverse(BLOCK_NAMES, block.group(2))
                    .map(part -> "blk." + block.group(1) + "." + part + "." + block.group(3));
        }
        Matcher global = HF_GLOBAL.matcher(hfName);
        if (global.matches()) {
            Optional<String> module = inverse(GLOBAL_NAMES, global.group(1));
            if (module.isPresent()) {
                return Optional.of(module.get() + "." + global.group(2));
            }
        }
        if (GENERATED.contains(hfName) || isGgufName(hfName)) {
            return Optional.of(hfName);
        }
        return Optional.empty();
    }

    private static boolean isGgufName(String name) {
        Matcher block = BLOCK.matcher(name);
        if (block.matches()) {
            return BLOCK_NAMES.containsKey(block.group(2));
        }
        Matcher global = GLOBAL.matcher(name);
        return global.matches() && GLOBAL_NAMES.containsKey(global.group(1));
    }

    private static Optional<String> inverse(Map<String, String> ggufToHf, String hf) {
        return ggufToHf.entrySet().stream().filter(e -> e.getValue().equals(hf)).map(Map.Entry::getKey).findFirst();
    }
}
