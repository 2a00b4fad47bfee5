package org.evomerge.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine's logits against {@link ReferenceLlama} on random tiny models of every supported family and dtype.
 * Error measure: for each position, {@code max_i |engine_i − reference_i| / max_i |reference_i|} (max-norm of the
 * difference relative to the max-norm of the reference logits), required below 1e-4.
 */
class LlamaForwardTest {

    static final double TOLERANCE = 1e-4;
    private static final LlamaInferenceEngine ENGINE = new LlamaInferenceEngine(2, m -> Optional.empty());

    static Stream<Arguments> families() {
        return Stream.of(
                Arguments.of("llama2", TinyModel.llama2()),
                Arguments.of("llama3 rope scaling", TinyModel.llama3()),
                Arguments.of("mistral sliding window", TinyModel.mistral()),
                Arguments.of("qwen2 bias, tied", TinyModel.qwen2()),
                Arguments.of("tied embeddings", TinyModel.tied()),
                Arguments.of("gqa 8 heads / 2 kv", TinyModel.gqa()));
    }

    static Stream<Arguments> dtypes() {
        return Stream.of(DType.F32, DType.BF16, DType.F16, DType.Q8_0).flatMap(
                dtype -> families().map(f -> Arguments.of(f.get()[0], f.get()[1], dtype)));
    }

    static int[] randomTokens(int count, int vocab, long seed) {
        Random random = new Random(seed);
        int[] tokens = new int[count];
        for (int i = 0; i < count; i++) {
            tokens[i] = random.nextInt(vocab);
        }
        return tokens;
    }

    static double relativeError(float[] actual, double[] expected) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / scale;
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("dtypes")
    void prefillAndDecodeLogitsMatchTheDoublePrecisionReference(String family, TinyModel.Spec spec, DType dtype) {
        TinyModel model = TinyModel.of(spec, dtype, 42);
        int[] tokens = randomTokens(12, spec.vocab(), 7);
        double[][] expected = new ReferenceLlama(model).logits(tokens);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            // One token at a time: every position's logits through the KV cache.
            try (InferenceSession session = lm.newSession()) {
                for (int i = 0; i < tokens.length; i++) {
                    float[] logits = session.append(tokens[i]);
                    double error = relativeError(logits, expected[i]);
                    assertTrue(error < TOLERANCE, family + " " + dtype + " position " + i + ": relative error " + error);
                }
                assertEquals(tokens.length, session.length());
            }
            // Whole prompt at once: the batched prefill's last logits.
            try (InferenceSession session = lm.newSession()) {
                float[] logits = session.append(tokens);
                double error = relativeError(logits, expected[tokens.length - 1]);
                assertTrue(error < TOLERANCE, family + " " + dtype + " prefill: relative error " + error);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void kvCacheDecodingEqualsFullRecompute(String family, TinyModel.Spec spec) {
        TinyModel model = TinyModel.of(spec, DType.F32, 3);
        int[] tokens = randomTokens(19, spec.vocab(), 11);
        int[] chunks = {1, 4, 2, 7, 1, 4};
        try (LanguageModel lm = ENGINE.load(model.model()); InferenceSession incremental = lm.newSession()) {
            int done = 0;
            for (int chunk : chunks) {
                float[] cached = incremental.append(java.util.Arrays.copyOfRange(tokens, done, done + chunk));
                done += chunk;
                try (InferenceSession fresh = lm.newSession()) {
                    float[] recomputed = fresh.append(java.util.Arrays.copyOf(tokens, done));
                    double[] asDouble = new double[recomputed.length];
                    for (int i = 0; i < asDouble.length; i++) {
                        asDouble[i] = recomputed[i];
                    }
                    double error = relativeError(cached, asDouble);
                    assertTrue(error < 1e-5, family + " after " + done + " tokens: relative error " + error);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void tokenLogProbabilitiesMatchTheReferenceLogSoftmax(String family, TinyModel.Spec spec) {
        TinyModel model = TinyModel.of(spec, DType.BF16, 5);
        int[] tokens = randomTokens(40, spec.vocab(), 13);
        double[] expected = new ReferenceLlama(model).logProbabilities(tokens);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            double[] actual = lm.tokenLogProbabilities(tokens);
            assertEquals(tokens.length - 1, actual.length);
            for (int i = 0; i < expected.length; i++) {
                assertTrue(actual[i] <= 0, "a log probability is at most 0");
                assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, Math.abs(expected[i])), family + " index " + i);
            }
            assertArrayEquals(new double[0], lm.tokenLogProbabilities(new int[] {3}));
        }
    }

    @Test
    void sequencesLongerThanOneBatchScoreAsTheReference() {
        TinyModel.Spec spec = TinyModel.gqa().withMaxPositions(2048);
        TinyModel model = TinyModel.of(new TinyModel.Spec(spec.architecture(), 1, 32, 32, 2, 1, 23, 10000, null, null,
                false, true, 2048), DType.BF16, 9);
        int[] tokens = randomTokens(LlamaForward.MAX_BATCH + 37, 23, 17);
        double[] expected = new ReferenceLlama(model).logProbabilities(tokens);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            double[] actual = lm.tokenLogProbabilities(tokens);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, Math.abs(expected[i])), "index " + i);
            }
            try (InferenceSession session = lm.newSession()) {
                float[] logits = session.append(tokens);
                double[][] reference = new ReferenceLlama(model).logits(tokens);
                assertTrue(relativeError(logits, reference[tokens.length - 1]) < TOLERANCE);
                assertEquals(tokens.length, session.length());
            }
        }
    }

    @Test
    void logSoftmaxIsStableForHugeLogits() {
        float[] logits = {1e30f, 1e30f, -1e30f, 0};
        assertEquals(Math.log(0.5), LlamaLanguageModel.logSoftmaxAt(logits, 0, 4, 0), 1e-12);
        assertEquals(-2e30 - Math.log(2), LlamaLanguageModel.logSoftmaxAt(logits, 0, 4, 2), 1e24);
        assertEquals(-1e30 - Math.log(2), LlamaLanguageModel.logSoftmaxAt(logits, 0, 4, 3), 1e24);
    }

    @Test
    void sessionRejectsTokensOutsideTheVocabularyAndBeyondTheContext() {
        TinyModel model = TinyModel.of(TinyModel.llama2().withMaxPositions(8), DType.F32, 1);
        try (LanguageModel lm = ENGINE.load(model.model()); InferenceSession session = lm.newSession()) {
            assertEquals(8, lm.maxSequenceLength());
            assertEquals(model.spec.vocab(), lm.vocabularySize());
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> session.append(model.spec.vocab()));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> session.append(-1));
            session.append(1, 2, 3, 4, 5);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> session.append(1, 2, 3, 4));
            assertEquals(5, session.length());
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> lm.tokenLogProbabilities(new int[9]));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> lm.tokenLogProbabilities(new int[0]));
        }
    }
}
