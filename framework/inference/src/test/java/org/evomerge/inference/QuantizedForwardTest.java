package org.evomerge.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;

import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.tensor.DType;
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

    private static void assertMatchesReference(TinyModel model, String what) {
        int[] tokens = LlamaForwardTest.randomTokens(12, model.spec.vocab(), 7);
        double[][] expected = new ReferenceLlama(model).logits(tokens);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            try (InferenceSession session = lm.newSession()) {
                for (int i = 0; i < tokens.length; i++) {
                    double error = LlamaForwardTest.relativeError(session.append(tokens[i]), expected[i]);
                    assertTrue(error < LlamaForwardTest.TOLERANCE,
                            what + " position " + i + ": relative error " + error);
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
        BlockQuantizer.matrixColumns(spec)
                .forEach((name, cols) -> BlockQuantizer.requantize(model, name, cols, dtype));
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
        BlockQuantizer.matrixColumns(spec).forEach((name, cols) -> {
            boolean higher = name.equals("lm_head.weight") || name.startsWith("model.layers.0.")
                    && (name.contains("v_proj") || name.contains("down_proj"));
            DType dtype = higher ? some : most;
            if (dtype == DType.Q8_0) {
                model.addMatrix(name, model.weight(name).length / cols, cols, DType.Q8_0, new java.util.Random(1),
                        0.05);
            } else {
                BlockQuantizer.requantize(model, name, cols, dtype);
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
