package org.evomerge.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Models whose matrices are in ggml's block types, alone and mixed as llama.cpp's Q4_K_M and Q5_K_M files mix them,
 * against {@link ReferenceLlama}'s float64 forward pass over the values the blocks decode to.
 */
class QuantizedForwardTest {

    private static final LlamaInferenceEngine ENGINE = new LlamaInferenceEngine(2, m -> Optional.empty());

    /** Llama 3's layout at widths that are whole k-quant super-blocks (256). */
    static TinyModel.Spec superBlockWide() {
        return new TinyModel.Spec("LlamaForCausalLM", 2, 256, 512, 4, 2, 61, 500000, null, null, false, false, 128);
    }

    /** The matrices of {@code spec} by name, with their column counts. */
    private static Map<String, Integer> matrixColumns(TinyModel.Spec spec) {
        Map<String, Integer> columns = new LinkedHashMap<>();
        columns.put("model.embed_tokens.weight", spec.hidden());
        for (int l = 0; l < spec.layers(); l++) {
            String p = "model.layers." + l + ".";
            for (String name : new String[] {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "mlp.gate_proj",
                "mlp.up_proj"}) {
                columns.put(p + name + ".weight", spec.hidden());
            }
            columns.put(p + "self_attn.o_proj.weight", spec.heads() * spec.headDim());
            columns.put(p + "mlp.down_proj.weight", spec.intermediate());
        }
        if (!spec.tied()) {
            columns.put("lm_head.weight", spec.hidden());
        }
        return columns;
    }

    /** Re-stores matrix {@code name} of {@code model} (now float32) in {@code dtype}. */
    private static void requantize(TinyModel model, String name, int cols, DType dtype) {
        double[] values = model.weight(name);
        float[] floats = new float[values.length];
        for (int i = 0; i < floats.length; i++) {
            floats[i] = (float) values[i];
        }
        MemorySegment data = BlockQuantizer.encode(dtype, floats);
        model.put(name, dtype, Shape.of(values.length / cols, cols), data,
                BlockQuantizer.decode(dtype, data, values.length));
    }

    private static void assertMatchesReference(TinyModel model, String what) {
        int[] tokens = LlamaForwardTest.randomTokens(12, model.spec.vocab(), 7);
        double[][] expected = new ReferenceLlama(model).logits(tokens);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            try (InferenceSession session = lm.newSession()) {
                for (int i = 0; i < tokens.length; i++) {
                    double error = LlamaForwardTest.relativeError(session.append(tokens[i]), expected[i]);
                    assertTrue(error < LlamaForwardTest.TOLERANCE, what + " position " + i + ": relative error " + error);
                }
            }
            try (InferenceSession session = lm.newSession()) {
                double error = LlamaForwardTest.relativeError(session.append(tokens), expected[tokens.length - 1]);
                assertTrue(error < LlamaForwardTest.TOLERANCE, what + " prefill: relative error " + error);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void everyMatrixInOneBlockTypeMatchesTheReference(DType dtype) {
        TinyModel.Spec spec = superBlockWide();
        TinyModel model = TinyModel.of(spec, DType.F32, 42);
        matrixColumns(spec).forEach((name, cols) -> requantize(model, name, cols, dtype));
        assertMatchesReference(model, dtype.toString());
    }

    /**
     * llama.cpp's Q4_K_M puts the output head, half the value projections and half the MLP down projections in
     * Q6_K and the rest in Q4_K; Q5_K_M does the same with Q5_K. The model mixes types per tensor (Q8_0 and Q4_0 too).
     */
    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({"Q4_K, Q6_K", "Q5_K, Q6_K", "Q4_0, Q8_0"})
    void tensorsOfMixedBlockTypesLoadAndMatchTheReference(DType most, DType some) {
        TinyModel.Spec spec = superBlockWide();
        TinyModel model = TinyModel.of(spec, DType.F32, 43);
        matrixColumns(spec).forEach((name, cols) -> {
            boolean higher = name.equals("lm_head.weight") || name.startsWith("model.layers.0.")
                    && (name.contains("v_proj") || name.contains("down_proj"));
            DType dtype = higher ? some : most;
            if (dtype == DType.Q8_0) {
                model.addMatrix(name, model.weight(name).length / cols, cols, DType.Q8_0, new java.util.Random(1),
                        0.05);
            } else {
                requantize(model, name, cols, dtype);
            }
        });
        assertEquals(some, model.model().tensors().find("lm_head.weight").orElseThrow().dtype());
        assertEquals(most, model.model().tensors().find("model.layers.1.mlp.down_proj.weight").orElseThrow().dtype());
        assertMatchesReference(model, most + "+" + some);
    }

    /** The decoder's and the engine's view of a quantized block agree with the quantizer's input closely. */
    @Test
    void theTestQuantizerKeepsTheValues() {
        java.util.Random random = new java.util.Random(3);
        float[] x = new float[512];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        Map<DType, Double> bound = Map.of(DType.Q4_0, 0.35, DType.Q4_K, 0.25, DType.Q5_K, 0.12, DType.Q6_K, 0.06);
        bound.forEach((dtype, limit) -> {
            double[] back = BlockQuantizer.decode(dtype, BlockQuantizer.encode(dtype, x), x.length);
            double worst = 0;
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, Math.abs(back[i] - x[i]));
            }
            assertTrue(worst < limit, dtype + " round trip error " + worst);
        });
    }
}
