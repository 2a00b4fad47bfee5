package org.evomerge.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import org.evomerge.api.inference.GenerationRequest;
import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine's logits against {@link ReferenceDecoder} on random tiny Qwen3, Gemma 2, Gemma 3 (text) and Phi-3
 * models in every weight dtype, with the error measure and tolerance of {@link LlamaForwardTest}; and batched
 * generation against one prompt at a time for each.
 */
class ArchitectureForwardTest {

    private static final LlamaInferenceEngine ENGINE = new LlamaInferenceEngine(2, m -> Optional.empty());

    static Stream<Arguments> architectures() {
        return Stream.of(
                Arguments.of("qwen3 q/k norm, head_dim 24", of(TinyDecoder::qwen3)),
                Arguments.of("gemma2 soft caps, alternating window", of(TinyDecoder::gemma2)),
                Arguments.of("gemma3 local/global rope", of(TinyDecoder::gemma3)),
                Arguments.of("phi3 fused, partial rotary", of(TinyDecoder::phi3)));
    }

    private static BiFunction<DType, Long, TinyDecoder> of(BiFunction<DType, Long, TinyDecoder> factory) {
        return factory;
    }

    static Stream<Arguments> dtypes() {
        return Stream.of(DType.F32, DType.BF16, DType.F16, DType.Q8_0).flatMap(
                dtype -> architectures().map(a -> Arguments.of(a.get()[0], a.get()[1], dtype)));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("dtypes")
    void prefillAndDecodeLogitsMatchTheDoublePrecisionReference(String name, BiFunction<DType, Long, TinyDecoder> of,
                                                                 DType dtype) {
        TinyDecoder model = of.apply(dtype, 42L);
        int[] tokens = LlamaForwardTest.randomTokens(12, model.vocab(), 7);
        double[][] expected = new ReferenceDecoder(model).logits(tokens);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            try (InferenceSession session = lm.newSession()) {
                for (int i = 0; i < tokens.length; i++) {
                    float[] logits = session.append(tokens[i]);
                    double error = LlamaForwardTest.relativeError(logits, expected[i]);
                    assertTrue(error < LlamaForwardTest.TOLERANCE,
                            name + " " + dtype + " position " + i + ": relative error " + error);
                }
            }
            try (InferenceSession session = lm.newSession()) {
                float[] logits = session.append(tokens);
                double error = LlamaForwardTest.relativeError(logits, expected[tokens.length - 1]);
                assertTrue(error < LlamaForwardTest.TOLERANCE,
                        name + " " + dtype + " prefill: relative error " + error);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("architectures")
    void tokenLogProbabilitiesMatchTheReferenceLogSoftmax(String name, BiFunction<DType, Long, TinyDecoder> of) {
        TinyDecoder model = of.apply(DType.BF16, 5L);
        int[] tokens = LlamaForwardTest.randomTokens(40, model.vocab(), 13);
        double[] expected = new ReferenceDecoder(model).logProbabilities(tokens);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            double[] actual = lm.tokenLogProbabilities(tokens);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, Math.abs(expected[i])), name + " index " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("architectures")
    void batchedGenerationGivesTheTokensOfEachPromptAlone(String name, BiFunction<DType, Long, TinyDecoder> of) {
        TinyDecoder model = of.apply(DType.BF16, 31L);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            List<int[]> prompts = List.of(new int[] {1}, new int[] {5, 9}, new int[] {3, 4, 5, 6, 7, 8, 9, 10},
                    new int[] {2, 11, 7, 1, 12, 2, 9, 4, 1, 3, 2, 8}, new int[] {3, 4, 5, 6, 7, 8, 9, 10, 11, 2});
            GenerationRequest request = GenerationRequest.greedy(10, Optional.empty());
            var together = lm.generateAll(prompts, request);
            for (int i = 0; i < prompts.size(); i++) {
                var alone = lm.generate(prompts.get(i), request);
                org.junit.jupiter.api.Assertions.assertArrayEquals(alone.tokens(), together.get(i).tokens(),
                        name + " prompt " + i);
            }
        }
    }

    /**
     * Each feature moves the reference's logits by at least ten times the tolerance, so leaving one out of the
     * engine fails {@link #prefillAndDecodeLogitsMatchTheDoublePrecisionReference}.
     */
    @org.junit.jupiter.api.Test
    void everyFeatureChangesTheReferenceLogitsByMoreThanTheTolerance() {
        assertFeatureMatters(TinyDecoder::gemma2, m -> m.config.put("attn_logit_softcapping", null), "attention cap");
        assertFeatureMatters(TinyDecoder::gemma2, m -> m.config.put("final_logit_softcapping", null), "final cap");
        assertFeatureMatters(TinyDecoder::gemma2, m -> m.config.put("sliding_window", 1000), "gemma2 window");
        assertFeatureMatters(TinyDecoder::gemma2, m -> m.config.put("query_pre_attn_scalar", 16), "query scalar");
        assertFeatureMatters(TinyDecoder::gemma2, m -> m.config.put("torch_dtype", "float32"), "bf16 sqrt(hidden)");
        assertFeatureMatters(TinyDecoder::gemma3, m -> m.config.put("rope_local_base_freq", 1000000.0), "local rope");
        assertFeatureMatters(TinyDecoder::gemma3, m -> m.config.put("sliding_window", 1000), "gemma3 window");
        assertFeatureMatters(TinyDecoder::phi3, m -> m.config.remove("partial_rotary_factor"), "partial rotary");
        assertFeatureMatters(TinyDecoder::phi3, m -> m.config.put("sliding_window", null), "phi3 window");
        assertFeatureMatters(TinyDecoder::qwen3, m -> {
            for (int l = 0; l < m.layers(); l++) {
                m.values.remove("model.layers." + l + ".self_attn.q_norm.weight");
                m.values.remove("model.layers." + l + ".self_attn.k_norm.weight");
            }
        }, "q/k norm");
    }

    private static void assertFeatureMatters(BiFunction<DType, Long, TinyDecoder> of,
                                             java.util.function.Consumer<TinyDecoder> withoutIt, String feature) {
        TinyDecoder model = of.apply(DType.BF16, 42L);
        int[] tokens = LlamaForwardTest.randomTokens(12, model.vocab(), 7);
        double[][] with = new ReferenceDecoder(model).logits(tokens);
        withoutIt.accept(model);
        double[][] without = new ReferenceDecoder(model).logits(tokens);
        double largest = 0;
        for (int i = 0; i < tokens.length; i++) {
            float[] asFloat = new float[without[i].length];
            for (int j = 0; j < asFloat.length; j++) {
                asFloat[j] = (float) without[i][j];
            }
            largest = Math.max(largest, LlamaForwardTest.relativeError(asFloat, with[i]));
        }
        assertTrue(largest > 10 * LlamaForwardTest.TOLERANCE, feature + " moves the logits by only " + largest);
    }

    /** Variants the engine does not run fail at load with one INPUT line naming the config field or tensor. */
    @org.junit.jupiter.api.Test
    void unsupportedVariantsAreOneLineErrorsNamingTheField() {
        assertLoadFails(TinyDecoder.phi3(DType.F32, 1), m -> m.config.put("rope_scaling",
                java.util.Map.of("type", "longrope", "long_factor", List.of(1.0), "short_factor", List.of(1.0))),
                "rope_scaling.rope_type 'longrope' is not supported");
        assertLoadFails(TinyDecoder.phi3(DType.F32, 1), m -> m.config.put("partial_rotary_factor", 0.1),
                "config field 'partial_rotary_factor' 0.1");
        assertLoadFails(TinyDecoder.gemma2(DType.F32, 1), m -> m.config.put("hidden_activation", "gelu"),
                "config field 'hidden_activation' 'gelu' is not supported");
        assertLoadFails(TinyDecoder.gemma3(DType.F32, 1), m -> m.config.put("layer_types",
                List.of("sliding_attention", "chunked_attention", "full_attention")),
                "config field 'layer_types' entry 1 'chunked_attention' is not supported");
        assertLoadFails(TinyDecoder.gemma2(DType.F32, 1), m -> m.config.put("attn_logit_softcapping", -1),
                "config field 'attn_logit_softcapping' must be a positive number");
        assertLoadFails(TinyDecoder.qwen3(DType.F32, 1), m -> m.config.put("hidden_act", "relu"),
                "config field 'hidden_act' 'relu' is not supported");
    }

    private static void assertLoadFails(TinyDecoder model, java.util.function.Consumer<TinyDecoder> change,
                                        String expected) {
        change.accept(model);
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.evomerge.api.EvomergeException.class,
                () -> ENGINE.load(model.model()));
        assertEquals(org.evomerge.api.ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().startsWith("in-memory model: ") && e.getMessage().contains(expected)
                && !e.getMessage().contains("\n"), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void aMissingFusedProjectionIsNamed() {
        TinyDecoder model = TinyDecoder.phi3(DType.F32, 1);
        java.util.List<org.evomerge.api.tensor.InMemoryTensor> tensors = new java.util.ArrayList<>(model.tensors());
        tensors.removeIf(t -> t.info().name().equals("model.layers.1.mlp.gate_up_proj.weight"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.evomerge.api.EvomergeException.class,
                () -> ENGINE.load(org.evomerge.api.model.InMemoryModel.of(
                        org.evomerge.api.model.ModelConfig.of(model.config), tensors)));
        assertEquals("in-memory model: tensor 'model.layers.1.mlp.gate_up_proj.weight' is missing", e.getMessage());
    }
}
