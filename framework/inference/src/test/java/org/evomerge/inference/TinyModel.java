package org.evomerge.inference;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Random;

import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;

/**
 * A random Llama-family model held in memory ({@link #model()}), in one stored dtype for its matrices, together with
 * the exact values those stored weights decode to (in double) for the reference forward pass. The test's own encoders
 * produce the stored bytes: bf16 by rounding to nearest even, f16 with the JDK's conversion, Q8_0 as ggml quantises
 * ({@code d = max|x| / 127}, {@code q = round(x / d)}). Tests may replace or remove tensors before taking the model.
 */
final class TinyModel {

    /** What to build; the families differ in these knobs only. */
    record Spec(String architecture, int layers, int hidden, int intermediate, int heads, int kvHeads, int vocab,
                double ropeTheta, Map<String, Object> ropeScaling, Integer slidingWindow, boolean qkvBias,
                boolean tied, int maxPositions) {

        Spec withMaxPositions(int positions) {
            return new Spec(architecture, layers, hidden, intermediate, heads, kvHeads, vocab, ropeTheta, ropeScaling,
                    slidingWindow, qkvBias, tied, positions);
        }

        int headDim() {
            return hidden / heads;
        }
    }

    static Spec llama2() {
        return new Spec("LlamaForCausalLM", 2, 64, 96, 4, 4, 67, 10000, null, null, false, false, 128);
    }

    static Spec llama3() {
        Map<String, Object> scaling = new LinkedHashMap<>();
        scaling.put("rope_type", "llama3");
        scaling.put("factor", 8.0);
        scaling.put("low_freq_factor", 1.0);
        scaling.put("high_freq_factor", 4.0);
        scaling.put("original_max_position_embeddings", 16);
        return new Spec("LlamaForCausalLM", 2, 64, 96, 4, 2, 61, 500000, scaling, null, false, false, 128);
    }

    static Spec mistral() {
        return new Spec("MistralForCausalLM", 2, 64, 96, 4, 2, 53, 10000, null, 5, false, false, 128);
    }

    static Spec qwen2() {
        return new Spec("Qwen2ForCausalLM", 2, 64, 96, 4, 2, 59, 1000000, null, null, true, true, 128);
    }

    static Spec tied() {
        return new Spec("LlamaForCausalLM", 2, 64, 96, 4, 4, 71, 10000, null, null, false, true, 128);
    }

    static Spec gqa() {
        return new Spec("LlamaForCausalLM", 2, 64, 96, 8, 2, 64, 10000, null, null, false, false, 128);
    }

    final Spec spec;
    /** Experts per layer of a Mixtral-style model ({@code num_local_experts}); 0 for a dense MLP. */
    final int experts;
    /** Experts each token is routed to ({@code num_experts_per_tok}); 0 for a dense MLP. */
    final int perToken;
    final ModelConfig config;
    /** Decoded weights by tensor name: what the stored bytes mean exactly. */
    final Map<String, double[]> values = new LinkedHashMap<>();
    private final Map<String, InMemoryTensor> tensors = new LinkedHashMap<>();

    private TinyModel(Spec spec, int experts, int perToken, DType dtype, long seed) {
        this.spec = spec;
        this.experts = experts;
        this.perToken = perToken;
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("architectures", List.of(spec.architecture()));
        raw.put("hidden_size", spec.hidden());
        raw.put("intermediate_size", spec.intermediate());
        raw.put("num_hidden_layers", spec.layers());
        raw.put("num_attention_heads", spec.heads());
        raw.put("num_key_value_heads", spec.kvHeads());
        raw.put("vocab_size", spec.vocab());
        raw.put("rms_norm_eps", 1e-5);
        raw.put("rope_theta", spec.ropeTheta());
        raw.put("rope_scaling", spec.ropeScaling());
        raw.put("sliding_window", spec.slidingWindow());
        raw.put("max_position_embeddings", spec.maxPositions());
        raw.put("tie_word_embeddings", spec.tied());
        if (experts > 0) {
            raw.put("model_type", "mixtral");
            raw.put("num_local_experts", experts);
            raw.put("num_experts_per_tok", perToken);
        }
        this.config = ModelConfig.of(raw);
        Random random = new Random(seed);
        int h = spec.hidden();
        int q = spec.heads() * spec.headDim();
        int kv = spec.kvHeads() * spec.headDim();
        matrix("model.embed_tokens.weight", spec.vocab(), h, dtype, random, 1.0);
        for (int l = 0; l < spec.layers(); l++) {
            String p = "model.layers." + l + ".";
            norm(p + "input_layernorm.weight", h, random);
            matrix(p + "self_attn.q_proj.weight", q, h, dtype, random, 1 / Math.sqrt(h));
            matrix(p + "self_attn.k_proj.weight", kv, h, dtype, random, 1 / Math.sqrt(h));
            matrix(p + "self_attn.v_proj.weight", kv, h, dtype, random, 1 / Math.sqrt(h));
            if (spec.qkvBias()) {
                vector(p + "self_attn.q_proj.bias", q, random, 0.5);
                vector(p + "self_attn.k_proj.bias", kv, random, 0.5);
                vector(p + "self_attn.v_proj.bias", kv, random, 0.5);
            }
            matrix(p + "self_attn.o_proj.weight", h, q, dtype, random, 1 / Math.sqrt(q));
            norm(p + "post_attention_layernorm.weight", h, random);
            if (experts > 0) {
                // A router of unit-scale rows, so that the routing probabilities are far from uniform.
                matrix(p + "block_sparse_moe.gate.weight", experts, h, dtype, random, 1);
                for (int e = 0; e < experts; e++) {
                    String x = p + "block_sparse_moe.experts." + e + ".";
                    matrix(x + "w1.weight", spec.intermediate(), h, dtype, random, 1 / Math.sqrt(h));
                    matrix(x + "w2.weight", h, spec.intermediate(), dtype, random, 1 / Math.sqrt(spec.intermediate()));
                    matrix(x + "w3.weight", spec.intermediate(), h, dtype, random, 1 / Math.sqrt(h));
                }
                continue;
            }
            matrix(p + "mlp.gate_proj.weight", spec.intermediate(), h, dtype, random, 1 / Math.sqrt(h));
            matrix(p + "mlp.up_proj.weight", spec.intermediate(), h, dtype, random, 1 / Math.sqrt(h));
            matrix(p + "mlp.down_proj.weight", h, spec.intermediate(), dtype, random, 1 / Math.sqrt(spec.intermediate()));
        }
        norm("model.norm.weight", h, random);
        if (!spec.tied()) {
            matrix("lm_head.weight", spec.vocab(), h, dtype, random, 1 / Math.sqrt(h));
        }
    }

    static TinyModel of(Spec spec, DType dtype, long seed) {
        return new TinyModel(spec, 0, 0, dtype, seed);
    }

    /** A Mixtral-style model ({@code MixtralForCausalLM}): every MLP {@code experts} experts behind a router. */
    static TinyModel mixtral(Spec spec, int experts, int perToken, DType dtype, long seed) {
        return new TinyModel(new Spec("MixtralForCausalLM", spec.layers(), spec.hidden(), spec.intermediate(),
                spec.heads(), spec.kvHeads(), spec.vocab(), spec.ropeTheta(), spec.ropeScaling(), spec.slidingWindow(),
                spec.qkvBias(), spec.tied(), spec.maxPositions()), experts, perToken, dtype, seed);
    }

    private void norm(String name, int n, Random random) {
        double[] v = new double[n];
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (1 + 0.2 * random.nextGaussian());
            v[i] = f[i];
        }
        put(name, DType.F32, Shape.of(n), encodeF32(f), v);
    }

    private void vector(String name, int n, Random random, double scale) {
        double[] v = new double[n];
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (scale * random.nextGaussian());
            v[i] = f[i];
        }
        put(name, DType.F32, Shape.of(n), encodeF32(f), v);
    }

    /** Adds a random {@code rows × cols} matrix in {@code dtype}, entries Gaussian with deviation {@code scale}. */
    void addMatrix(String name, int rows, int cols, DType dtype, Random random, double scale) {
        matrix(name, rows, cols, dtype, random, scale);
    }

    private void matrix(String name, int rows, int cols, DType dtype, Random random, double scale) {
        float[] f = new float[rows * cols];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (scale * random.nextGaussian());
        }
        double[] decoded = new double[f.length];
        put(name, dtype, Shape.of(rows, cols), encode(f, dtype, decoded), decoded);
    }

    /** {@code f} stored as {@code dtype} (see the class comment); {@code decoded} receives what the bytes mean. */
    static MemorySegment encode(float[] f, DType dtype, double[] decoded) {
        return switch (dtype) {
            case F32 -> {
                for (int i = 0; i < f.length; i++) {
                    decoded[i] = f[i];
                }
                yield encodeF32(f);
            }
            case BF16 -> {
                MemorySegment s = Arena.ofAuto().allocate(2L * f.length);
                for (int i = 0; i < f.length; i++) {
                    int bits = Float.floatToRawIntBits(f[i]);
                    int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
                    s.set(SHORT, 2L * i, (short) rounded);
                    decoded[i] = Float.intBitsToFloat(rounded << 16);
                }
                yield s;
            }
            case F16 -> {
                MemorySegment s = Arena.ofAuto().allocate(2L * f.length);
                for (int i = 0; i < f.length; i++) {
                    short bits = Float.floatToFloat16(f[i]);
                    s.set(SHORT, 2L * i, bits);
                    decoded[i] = Float.float16ToFloat(bits);
                }
                yield s;
            }
            case Q8_0 -> {
                int blocks = f.length / 32;
                MemorySegment s = Arena.ofAuto().allocate(34L * blocks);
                for (int b = 0; b < blocks; b++) {
                    double amax = 0;
                    for (int j = 0; j < 32; j++) {
                        amax = Math.max(amax, Math.abs(f[32 * b + j]));
                    }
                    double d = amax / 127;
                    short dBits = Float.floatToFloat16((float) d);
                    double dStored = Float.float16ToFloat(dBits);
                    s.set(SHORT, 34L * b, dBits);
                    for (int j = 0; j < 32; j++) {
                        int qv = d == 0 ? 0 : (int) Math.round(f[32 * b + j] / d);
                        qv = Math.max(-127, Math.min(127, qv));
                        s.set(ValueLayout.JAVA_BYTE, 34L * b + 2 + j, (byte) qv);
                        decoded[32 * b + j] = qv * dStored;
                    }
                }
                yield s;
            }
            default -> throw new IllegalArgumentException("no encoder for " + dtype);
        };
    }

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static MemorySegment encodeF32(float[] f) {
        MemorySegment s = Arena.ofAuto().allocate(4L * f.length);
        for (int i = 0; i < f.length; i++) {
            s.set(FLOAT, 4L * i, f[i]);
        }
        return s;
    }

    /** Replaces or adds a tensor with raw stored bytes (for hostile-input tests). */
    void put(String name, DType dtype, Shape shape, MemorySegment data, double[] decoded) {
        tensors.put(name, new InMemoryTensor(new TensorInfo(name, dtype, shape, ""), data));
        if (decoded != null) {
            values.put(name, decoded);
        }
    }

    void remove(String name) {
        tensors.remove(name);
        values.remove(name);
    }

    double[] weight(String name) {
        double[] v = values.get(name);
        if (v == null) {
            throw new NoSuchElementException(name);
        }
        return v;
    }

    Optional<double[]> optionalWeight(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /** The model as it is now: its configuration and its tensors, in the order they were added. */
    InMemoryModel model() {
        return InMemoryModel.of(config, List.copyOf(tensors.values()));
    }
}
