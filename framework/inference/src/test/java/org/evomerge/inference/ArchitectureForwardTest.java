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
                Arguments.of("qwen3 q/k norm, head_dim 24", (BiFunction<DType, Long, TinyDecoder>) TinyDecoder::qwen3),
                Arguments.of("gemma2 soft caps, alternating window", (BiFunction<DType, Long, TinyDecoder>) TinyDecoder::gemma2),
                Arguments.of("gemma3 local/global rope", (BiFunction<DType, Long, TinyDecoder>) TinyDecoder::gemma3),
                Arguments.of("phi3 fused, partial rotary", (BiFunction<DType, Long, TinyDecoder>) TinyDecoder::phi3));
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
                assertTrue(error < LlamaForwardTest.TOLERANCE, name + " " + dtype + " prefill: relative error " + error);
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
}
