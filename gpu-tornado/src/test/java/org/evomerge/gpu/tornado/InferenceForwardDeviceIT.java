package org.evomerge.gpu.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.inference.LlamaInferenceEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole forward pass on the device (products as matrix-matrix products in batches of
 * {@value #BATCH_ROWS} rows, RMSNorm, rotary embedding, attention) against the CPU engine on small generated
 * Llama-family models: per-token log-probabilities of a prompt longer than one batch, and the logits of a session
 * that appends a prompt and then generates token by token. Also: loading the same content again moves no weights.
 * Skipped without a TornadoVM runtime and device.
 */
class InferenceForwardDeviceIT {

    private static final int BATCH_ROWS = 16;
    /** Log-probabilities and logits (PoCL: at most 1.8e-6 seen): fused multiply-adds, exponential, summation order. */
    private static final double TOLERANCE = 1e-5;

    @RegisterExtension
    static final TornadoDevice DEVICE = new TornadoDevice(
            Map.of(TornadoInferenceOperations.BATCH_ROWS_PROPERTY, Integer.toString(BATCH_ROWS)));

    /** A Llama-family model of random weights stored as {@code dtype} (F32 or BF16). */
    private static InMemoryModel model(DType dtype, Integer slidingWindow, boolean bias, long seed) {
        int layers = 2;
        int hidden = 64;
        int heads = 8;
        int kvHeads = 2;
        int intermediate = 96;
        int vocab = 67;
        int headDim = hidden / heads;
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("architectures", List.of(bias ? "Qwen2ForCausalLM" : "MistralForCausalLM"));
        raw.put("hidden_size", hidden);
        raw.put("intermediate_size", intermediate);
        raw.put("num_hidden_layers", layers);
        raw.put("num_attention_heads", heads);
        raw.put("num_key_value_heads", kvHeads);
        raw.put("vocab_size", vocab);
        raw.put("rms_norm_eps", 1e-5);
        raw.put("rope_theta", 10000.0);
        raw.put("sliding_window", slidingWindow);
        raw.put("max_position_embeddings", 256);
        raw.put("tie_word_embeddings", false);
        Random random = new Random(seed);
        List<InMemoryTensor> tensors = new ArrayList<>();
        int q = heads * headDim;
        int kv = kvHeads * headDim;
        tensors.add(matrix("model.embed_tokens.weight", vocab, hidden, dtype, random, 1));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            tensors.add(norm(p + "input_layernorm.weight", hidden, random));
            tensors.add(matrix(p + "self_attn.q_proj.weight", q, hidden, dtype, random, 1 / Math.sqrt(hidden)));
            tensors.add(matrix(p + "self_attn.k_proj.weight", kv, hidden, dtype, random, 1 / Math.sqrt(hidden)));
            tensors.add(matrix(p + "self_attn.v_proj.weight", kv, hidden, dtype, random, 1 / Math.sqrt(hidden)));
            if (bias) {
                tensors.add(norm(p + "self_attn.q_proj.bias", q, random));
                tensors.add(norm(p + "self_attn.k_proj.bias", kv, random));
                tensors.add(norm(p + "self_attn.v_proj.bias", kv, random));
            }
            tensors.add(matrix(p + "self_attn.o_proj.weight", hidden, q, dtype, random, 1 / Math.sqrt(q)));
            tensors.add(norm(p + "post_attention_layernorm.weight", hidden, random));
            tensors.add(matrix(p + "mlp.gate_proj.weight", intermediate, hidden, dtype, random, 1 / Math.sqrt(hidden)));
            tensors.add(matrix(p + "mlp.up_proj.weight", intermediate, hidden, dtype, random, 1 / Math.sqrt(hidden)));
            tensors.add(matrix(p + "mlp.down_proj.weight", hidden, intermediate, dtype, random,
                    1 / Math.sqrt(intermediate)));
        }
        tensors.add(norm("model.norm.weight", hidden, random));
        tensors.add(matrix("lm_head.weight", vocab, hidden, dtype, random, 1 / Math.sqrt(hidden)));
        return InMemoryModel.of(ModelConfig.of(raw), tensors);
    }

    private static InMemoryTensor norm(String name, int n, Random random) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (1 + 0.2 * random.nextGaussian());
        }
        MemorySegment data = MemorySegment.ofArray(new byte[4 * n]);
        MemorySegment.copy(values, 0, data, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, n);
        return new InMemoryTensor(new TensorInfo(name, DType.F32, Shape.of(n), ""), data);
    }

    private static InMemoryTensor matrix(String name, int rows, int cols, DType dtype, Random random, double scale) {
        int n = rows * cols;
        MemorySegment data = MemorySegment.ofArray(new byte[(int) dtype.byteSize(n)]);
        for (int i = 0; i < n; i++) {
            float value = (float) (scale * random.nextGaussian());
            if (dtype == DType.BF16) {
                data.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i,
                        (short) (Float.floatToIntBits(value) >>> 16));
            } else {
                data.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, value);
            }
        }
        return new InMemoryTensor(new TensorInfo(name, dtype, Shape.of(rows, cols), ""), data);
    }

    private static double maxDifference(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
        }
        return max;
    }

    private static double maxDifference(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
        }
        return max;
    }

    private static int[] prompt(int length, int vocab, long seed) {
        Random random = new Random(seed);
        int[] tokens = new int[length];
        for (int i = 0; i < length; i++) {
            tokens[i] = random.nextInt(vocab);
        }
        return tokens;
    }

    private static void assertForwardAgrees(InMemoryModel model, String what) {
        LlamaInferenceEngine device = new LlamaInferenceEngine(2, DEVICE.backend(), m -> Optional.empty());
        LlamaInferenceEngine cpu = new LlamaInferenceEngine(2, m -> Optional.empty());
        assertEquals("tornado", device.kernels());
        int[] tokens = prompt(3 * BATCH_ROWS + 5, 67, 7);
        try (LanguageModel onDevice = device.load(model); LanguageModel onCpu = cpu.load(model)) {
            double prompt = maxDifference(onCpu.tokenLogProbabilities(tokens), onDevice.tokenLogProbabilities(tokens));
            double generation = 0;
            try (InferenceSession d = onDevice.newSession(); InferenceSession c = onCpu.newSession()) {
                int[] first = java.util.Arrays.copyOf(tokens, 20);
                generation = Math.max(generation, maxDifference(c.append(first), d.append(first)));
                for (int i = 20; i < 30; i++) {
                    generation = Math.max(generation, maxDifference(c.append(tokens[i]), d.append(tokens[i])));
                }
            }
            System.out.printf("%s: max |Δ log p| over %d prompt tokens %.3g, max |Δ logit| over a 20-token prompt and"
                    + " 10 generated tokens %.3g%n", what, tokens.length - 1, prompt, generation);
            assertTrue(prompt <= TOLERANCE, what + ": prompt log-probabilities differ by " + prompt);
            assertTrue(generation <= TOLERANCE, what + ": session logits differ by " + generation);
        }
    }

    @Test
    void llamaF32ForwardAgreesWithTheCpu() {
        assertForwardAgrees(model(DType.F32, null, false, 1), "F32, GQA");
    }

    @Test
    void slidingWindowBf16ForwardAgreesWithTheCpu() {
        assertForwardAgrees(model(DType.BF16, 7, false, 2), "BF16, sliding window 7");
    }

    @Test
    void biasedProjectionsAgreeWithTheCpu() {
        assertForwardAgrees(model(DType.F32, null, true, 3), "F32, q/k/v biases");
    }

    @Test
    void loadingTheSameContentAgainMovesNoWeights() {
        TornadoInferenceOperations operations = (TornadoInferenceOperations) DEVICE.backend().inference().orElseThrow();
        InMemoryModel model = model(DType.F32, null, false, 4);
        InMemoryModel copy = model(DType.F32, null, false, 4);
        LlamaInferenceEngine engine = new LlamaInferenceEngine(2, DEVICE.backend(), m -> Optional.empty());
        int[] tokens = prompt(12, 67, 8);
        double[] first;
        int uploadsBefore = operations.uploads();
        int reusesBefore = operations.reuses();
        try (LanguageModel lm = engine.load(model)) {
            first = lm.tokenLogProbabilities(tokens);
        }
        int matrices = 7 * 2 + 1;
        assertEquals(uploadsBefore + matrices, operations.uploads(), "the first load moves every matrix");
        try (LanguageModel lm = engine.load(copy)) {
            assertEquals(0, maxDifference(first, lm.tokenLogProbabilities(tokens)));
        }
        assertEquals(uploadsBefore + matrices, operations.uploads(), "a second load of equal bytes moves none");
        assertEquals(reusesBefore + matrices, operations.reuses());
    }
}
