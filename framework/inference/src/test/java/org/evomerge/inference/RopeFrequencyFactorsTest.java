package org.evomerge.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Optional;

import org.evomerge.api.EvomergeException;
import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.junit.jupiter.api.Test;

/**
 * {@code rope_freqs.weight}, the per-pair frequency divisors llama.cpp's converter writes into a GGUF file for
 * Llama 3.1's {@code rope_scaling} (type {@code llama3}) instead of the scaling itself: llama.cpp divides
 * {@code theta_i} by factor {@code i}.
 */
class RopeFrequencyFactorsTest {

    private static final LlamaInferenceEngine ENGINE = new LlamaInferenceEngine(2, m -> Optional.empty());
    private static final ValueLayout.OfFloat FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static MemorySegment f32(float[] values) {
        MemorySegment segment = MemorySegment.ofArray(new byte[4 * values.length]);
        for (int i = 0; i < values.length; i++) {
            segment.set(FLOAT, 4L * i, values[i]);
        }
        return segment;
    }

    @Test
    void factorsDivideTheAnglesByHand() {
        // theta 10000, head_dim 8: inverse frequencies 1, 1/10, 1/100, 1/1000; divided by 1, 2, 4, 8 at position 3.
        RotaryEmbedding rope = RotaryEmbedding.of("m", 8, 10000, null).dividedBy("m", new float[] {1, 2, 4, 8});
        float[] cos = new float[4];
        float[] sin = new float[4];
        rope.angles(3, cos, sin);
        double[] angles = {3.0, 0.15, 0.0075, 0.000375};
        for (int i = 0; i < 4; i++) {
            assertEquals((float) Math.cos(angles[i]), cos[i], 1e-7f, "cos " + i);
            assertEquals((float) Math.sin(angles[i]), sin[i], 1e-7f, "sin " + i);
        }
    }

    @Test
    void theTensorOfAModelIsApplied() {
        TinyModel model = TinyModel.of(TinyModel.llama2(), DType.F32, 1);
        int pairs = TinyModel.llama2().headDim() / 2;
        float[] factors = new float[pairs];
        java.util.Arrays.fill(factors, 1);
        factors[1] = 3;
        model.put(RotaryEmbedding.FREQUENCY_FACTORS, DType.F32, Shape.of(pairs), f32(factors), null);
        LlamaConfig config = LlamaConfig.of(model.model());
        float[] cos = new float[pairs];
        float[] sin = new float[pairs];
        config.rope().angles(5, cos, sin);
        // head_dim 16, theta 10000: pair 1's inverse frequency is 10000^(-2/16).
        assertEquals((float) Math.sin(5 * Math.pow(10000, -2.0 / 16) / 3), sin[1], 1e-7f);
        assertEquals((float) Math.sin(5 * Math.pow(10000, -4.0 / 16)), sin[2], 1e-7f);
    }

    /**
     * A Llama 3.1-style model as a safetensors folder states it ({@code rope_scaling} llama3) and as its GGUF file does
     * (no scaling, the converter's {@code rope_freqs.weight}, computed in float32 as its torch code does) give the same
     * logits.
     */
    @Test
    void llama3ScalingAndItsRopeFreqsTensorGiveTheSameLogits() {
        TinyModel.Spec scaled = TinyModel.llama3();
        TinyModel.Spec plain = new TinyModel.Spec(scaled.architecture(), scaled.layers(), scaled.hidden(),
                scaled.intermediate(), scaled.heads(), scaled.kvHeads(), scaled.vocab(), scaled.ropeTheta(), null,
                scaled.slidingWindow(), scaled.qkvBias(), scaled.tied(), scaled.maxPositions());
        TinyModel safetensors = TinyModel.of(scaled, DType.F32, 8);
        TinyModel gguf = TinyModel.of(plain, DType.F32, 8);
        float[] factors = converterFactors(scaled);
        gguf.put(RotaryEmbedding.FREQUENCY_FACTORS, DType.F32, Shape.of(factors.length), f32(factors), null);
        int[] tokens = LlamaForwardTest.randomTokens(40, scaled.vocab(), 3);
        try (LanguageModel a = ENGINE.load(safetensors.model()); LanguageModel b = ENGINE.load(gguf.model());
             LanguageModel unscaled = ENGINE.load(TinyModel.of(plain, DType.F32, 8).model());
             InferenceSession sa = a.newSession(); InferenceSession sb = b.newSession();
             InferenceSession su = unscaled.newSession()) {
            float[] la = sa.append(tokens);
            float[] lb = sb.append(tokens);
            float[] lu = su.append(tokens);
            double[] reference = new double[la.length];
            for (int i = 0; i < la.length; i++) {
                reference[i] = la[i];
            }
            double error = LlamaForwardTest.relativeError(lb, reference);
            assertTrue(error < 1e-5, "rope_freqs against rope_scaling: relative error " + error);
            // The scaling matters at these positions (original context 16), so the agreement is not vacuous.
            assertTrue(LlamaForwardTest.relativeError(lu, reference) > 1e-3, "scaling had no effect");
        }
    }

    /** GgufHyperparameters' {@code llama3RopeFactors}, as llama.cpp's convert_hf_to_gguf computes them. */
    private static float[] converterFactors(TinyModel.Spec spec) {
        Map<String, Object> rope = spec.ropeScaling();
        double factor = ((Number) rope.get("factor")).doubleValue();
        double low = ((Number) rope.get("low_freq_factor")).doubleValue();
        double high = ((Number) rope.get("high_freq_factor")).doubleValue();
        double context = ((Number) rope.get("original_max_position_embeddings")).doubleValue();
        int dim = spec.headDim();
        float lowWavelength = (float) (context / low);
        float highWavelength = (float) (context / high);
        float[] factors = new float[dim / 2];
        for (int i = 0; i < factors.length; i++) {
            float frequency = 1.0f / (float) Math.pow((float) spec.ropeTheta(), (float) (2 * i) / dim);
            float wavelength = (float) (2 * Math.PI) / frequency;
            if (wavelength < highWavelength) {
                factors[i] = 1;
            } else if (wavelength > lowWavelength) {
                factors[i] = (float) factor;
            } else {
                float smooth = ((float) context / wavelength - (float) low) / (float) (high - low);
                factors[i] = 1 / ((1 - smooth) / (float) factor + smooth);
            }
        }
        return factors;
    }

    @Test
    void aTensorOfTheWrongLengthIsAnInputErrorNamingIt() {
        TinyModel model = TinyModel.of(TinyModel.llama2(), DType.F32, 1);
        model.put(RotaryEmbedding.FREQUENCY_FACTORS, DType.F32, Shape.of(3), f32(new float[] {1, 1, 1}), null);
        EvomergeException e = assertThrows(EvomergeException.class, () -> LlamaConfig.of(model.model()));
        assertTrue(e.getMessage().contains("rope_freqs.weight") && e.getMessage().contains("expected head_dim / 2 = 8"),
                e.getMessage());
        TinyModel zero = TinyModel.of(TinyModel.llama2(), DType.F32, 1);
        zero.put(RotaryEmbedding.FREQUENCY_FACTORS, DType.F32, Shape.of(8), f32(new float[8]), null);
        e = assertThrows(EvomergeException.class, () -> LlamaConfig.of(zero.model()));
        assertTrue(e.getMessage().contains("rope_freqs.weight") && e.getMessage().contains("value 0 is 0.0"),
                e.getMessage());
    }
}
