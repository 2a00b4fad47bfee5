package org.evomerge.inference;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;

import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;

/**
 * A random tiny model of one of the architectures that add to Llama's block (Qwen3, Gemma 2, Gemma 3's text model,
 * Phi-3), with the {@code config.json} keys and tensor names transformers writes for it, and the exact values its
 * stored weights decode to (in double) for {@link ReferenceDecoder}. Matrices are stored in one dtype (encoded as
 * {@link TinyModel} encodes them); norm weights in F32, Gemma's near 0 (transformers' Gemma norms scale by
 * {@code 1 + w}), the others' near 1. Each model exercises its architecture's features: sequences of a dozen tokens
 * pass the sliding windows, Qwen3's {@code head_dim} differs from hidden / heads, Gemma 2's soft caps bite.
 */
final class TinyDecoder {

    final String architecture;
    final Map<String, Object> config;
    /** Decoded weights by tensor name: what the stored bytes mean exactly. */
    final Map<String, double[]> values = new LinkedHashMap<>();
    private final Map<String, InMemoryTensor> tensors = new LinkedHashMap<>();
    private final Random random;
    private final DType dtype;

    private TinyDecoder(Map<String, Object> config, DType dtype, long seed) {
        this.config = config;
        this.architecture = ((List<?>) config.get("architectures")).getFirst().toString();
        this.dtype = dtype;
        this.random = new Random(seed);
        config.put("torch_dtype", switch (dtype) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> "float32";
        });
        build();
    }

    /** A model of {@code config} (a copy of one of the factories' configurations, changed). */
    static TinyDecoder of(Map<String, Object> config, DType dtype, long seed) {
        return new TinyDecoder(new LinkedHashMap<>(config), dtype, seed);
    }

    /** Qwen3: q/k RMSNorm per head, {@code head_dim} 24 with hidden 64 and 4 heads, tied embeddings. */
    static TinyDecoder qwen3(DType dtype, long seed) {
        Map<String, Object> c = base("Qwen3ForCausalLM", "qwen3", 2, 64, 96, 4, 2, 61);
        c.put("head_dim", 24);
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", 1000000.0);
        c.put("rope_scaling", null);
        c.put("attention_bias", false);
        c.put("use_sliding_window", false);
        c.put("sliding_window", null);
        c.put("max_window_layers", 2);
        c.put("tie_word_embeddings", true);
        return new TinyDecoder(c, dtype, seed);
    }

    /**
     * Gemma 2: three layers (sliding, full, sliding) with a window of 4, attention and final soft caps small enough
     * to change the results, {@code query_pre_attn_scalar} unlike {@code head_dim}, hidden 96 (whose square root
     * bfloat16 rounds), and {@code tie_word_embeddings} left out as transformers leaves out its default.
     */
    static TinyDecoder gemma2(DType dtype, long seed) {
        Map<String, Object> c = base("Gemma2ForCausalLM", "gemma2", 3, 96, 128, 4, 2, 53);
        c.put("head_dim", 16);
        c.put("hidden_activation", "gelu_pytorch_tanh");
        c.put("hidden_act", "gelu_pytorch_tanh");
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", 10000.0);
        c.put("query_pre_attn_scalar", 24);
        c.put("attn_logit_softcapping", 1.5);
        c.put("final_logit_softcapping", 8.0);
        c.put("sliding_window", 4);
        return new TinyDecoder(c, dtype, seed);
    }

    /**
     * Gemma 3 (text): q/k norms, layers sliding, sliding, full ({@code sliding_window_pattern} 3) with a window of 4,
     * local layers on {@code rope_local_base_freq} and global ones on {@code rope_theta} with linear scaling, no soft
     * caps.
     */
    static TinyDecoder gemma3(DType dtype, long seed) {
        Map<String, Object> c = base("Gemma3ForCausalLM", "gemma3_text", 3, 96, 128, 4, 1, 57);
        c.put("head_dim", 16);
        c.put("hidden_activation", "gelu_pytorch_tanh");
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", 1000000.0);
        c.put("rope_local_base_freq", 10000.0);
        Map<String, Object> scaling = new LinkedHashMap<>();
        scaling.put("factor", 8.0);
        scaling.put("rope_type", "linear");
        c.put("rope_scaling", scaling);
        c.put("query_pre_attn_scalar", 16);
        c.put("attn_logit_softcapping", null);
        c.put("final_logit_softcapping", null);
        c.put("sliding_window", 4);
        c.put("sliding_window_pattern", 3);
        return new TinyDecoder(c, dtype, seed);
    }

    /** Phi-3: fused {@code qkv_proj} and {@code gate_up_proj}, half the head rotated, a window of 5, untied head. */
    static TinyDecoder phi3(DType dtype, long seed) {
        Map<String, Object> c = base("Phi3ForCausalLM", "phi3", 2, 64, 96, 4, 2, 67);
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("rope_scaling", null);
        c.put("partial_rotary_factor", 0.5);
        c.put("sliding_window", 5);
        c.put("original_max_position_embeddings", 128);
        c.put("tie_word_embeddings", false);
        return new TinyDecoder(c, dtype, seed);
    }

    private static Map<String, Object> base(String architecture, String modelType, int layers, int hidden,
                                            int intermediate, int heads, int kvHeads, int vocab) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of(architecture));
        c.put("model_type", modelType);
        c.put("hidden_size", hidden);
        c.put("intermediate_size", intermediate);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("vocab_size", vocab);
        c.put("max_position_embeddings", 128);
        return c;
    }

    int hidden() {
        return (Integer) config.get("hidden_size");
    }

    int vocab() {
        return (Integer) config.get("vocab_size");
    }

    int heads() {
        return (Integer) config.get("num_attention_heads");
    }

    int kvHeads() {
        return (Integer) config.get("num_key_value_heads");
    }

    int headDim() {
        return config.get("head_dim") instanceof Integer d ? d : hidden() / heads();
    }

    int layers() {
        return (Integer) config.get("num_hidden_layers");
    }

    int intermediate() {
        return (Integer) config.get("intermediate_size");
    }

    boolean gemma() {
        return architecture.startsWith("Gemma");
    }

    private void build() {
        int h = hidden();
        int q = heads() * headDim();
        int kv = kvHeads() * headDim();
        int ff = intermediate();
        matrix("model.embed_tokens.weight", vocab(), h, 1.0);
        for (int l = 0; l < layers(); l++) {
            String p = "model.layers." + l + ".";
            norm(p + "input_layernorm.weight", h);
            if (architecture.equals("Phi3ForCausalLM")) {
                matrix(p + "self_attn.qkv_proj.weight", q + 2 * kv, h, 1 / Math.sqrt(h));
            } else {
                matrix(p + "self_attn.q_proj.weight", q, h, 1 / Math.sqrt(h));
                matrix(p + "self_attn.k_proj.weight", kv, h, 1 / Math.sqrt(h));
                matrix(p + "self_attn.v_proj.weight", kv, h, 1 / Math.sqrt(h));
            }
            if (architecture.equals("Qwen3ForCausalLM") || architecture.equals("Gemma3ForCausalLM")) {
                norm(p + "self_attn.q_norm.weight", headDim());
                norm(p + "self_attn.k_norm.weight", headDim());
            }
            matrix(p + "self_attn.o_proj.weight", h, q, 1 / Math.sqrt(q));
            norm(p + "post_attention_layernorm.weight", h);
            if (gemma()) {
                norm(p + "pre_feedforward_layernorm.weight", h);
                norm(p + "post_feedforward_layernorm.weight", h);
            }
            if (architecture.equals("Phi3ForCausalLM")) {
                matrix(p + "mlp.gate_up_proj.weight", 2 * ff, h, 1 / Math.sqrt(h));
            } else {
                matrix(p + "mlp.gate_proj.weight", ff, h, 1 / Math.sqrt(h));
                matrix(p + "mlp.up_proj.weight", ff, h, 1 / Math.sqrt(h));
            }
            matrix(p + "mlp.down_proj.weight", h, ff, 1 / Math.sqrt(ff));
        }
        norm("model.norm.weight", h);
        if (Boolean.FALSE.equals(config.get("tie_word_embeddings"))) {
            matrix("lm_head.weight", vocab(), h, 1 / Math.sqrt(h));
        }
    }

    private void norm(String name, int n) {
        float[] f = new float[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) ((gemma() ? 0 : 1) + 0.2 * random.nextGaussian());
            v[i] = f[i];
        }
        put(name, DType.F32, Shape.of(n), TinyModel.encodeF32(f), v);
    }

    private void matrix(String name, int rows, int cols, double scale) {
        float[] f = new float[rows * cols];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (scale * random.nextGaussian());
        }
        double[] decoded = new double[f.length];
        put(name, dtype, Shape.of(rows, cols), TinyModel.encode(f, dtype, decoded), decoded);
    }

    private void put(String name, DType type, Shape shape, java.lang.foreign.MemorySegment data, double[] decoded) {
        tensors.put(name, new InMemoryTensor(new TensorInfo(name, type, shape, ""), data));
        values.put(name, decoded);
    }

    double[] weight(String name) {
        double[] v = values.get(name);
        if (v == null) {
            throw new NoSuchElementException(name);
        }
        return v;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The tensors, in the order they were added, under their Hugging Face names. */
    List<InMemoryTensor> tensors() {
        return new ArrayList<>(tensors.values());
    }

    InMemoryModel model() {
        return InMemoryModel.of(ModelConfig.of(new LinkedHashMap<>(config)), List.copyOf(tensors.values()));
    }
}
