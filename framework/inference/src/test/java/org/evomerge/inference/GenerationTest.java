package org.evomerge.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

import org.evomerge.api.inference.Generation;
import org.evomerge.api.inference.GenerationRequest;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.inference.Tokenizer;
import org.evomerge.api.tensor.DType;
import org.junit.jupiter.api.Test;

class GenerationTest {

    private static final LlamaInferenceEngine ENGINE = new LlamaInferenceEngine(2, m -> Optional.empty());
    private static final int[] PROMPT = {5, 17, 2, 40, 9};

    /** Token {@code i} decodes to {@code "w<i> "}, so a token's text never occurs inside another's. */
    private static final Tokenizer WORDS = new Tokenizer() {
        @Override
        public int[] encode(String text, boolean addSpecialTokens) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String decode(int[] ids, boolean skipSpecialTokens) {
            return Arrays.stream(ids).mapToObj(i -> "w" + i + " ").collect(Collectors.joining());
        }

        @Override
        public OptionalInt bosTokenId() {
            return OptionalInt.empty();
        }

        @Override
        public OptionalInt eosTokenId() {
            return OptionalInt.empty();
        }
    };

    private static GenerationRequest request(int max, double temperature, double topP, long seed, List<Integer> stops,
                                             List<String> stopStrings) {
        return new GenerationRequest(max, temperature, topP, seed, stops, stopStrings, Optional.of(WORDS));
    }

    @Test
    void greedyGenerationFollowsTheArgmaxOfTheReference() {
        TinyModel model = TinyModel.of(TinyModel.llama3(), DType.F32, 21);
        ReferenceLlama reference = new ReferenceLlama(model);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            Generation generation = lm.generate(PROMPT, GenerationRequest.greedy(8, Optional.empty()));
            assertEquals(Generation.StopReason.MAX_TOKENS, generation.stopReason());
            assertEquals("", generation.text());
            int[] sequence = PROMPT.clone();
            for (int token : generation.tokens()) {
                double[][] logits = reference.logits(sequence);
                double[] last = logits[sequence.length - 1];
                int best = 0;
                for (int i = 1; i < last.length; i++) {
                    if (last[i] > last[best]) {
                        best = i;
                    }
                }
                assertEquals(best, token, "greedy token after " + Arrays.toString(sequence));
                sequence = Arrays.copyOf(sequence, sequence.length + 1);
                sequence[sequence.length - 1] = token;
            }
            assertEquals(8, generation.tokens().length);
        }
    }

    @Test
    void samplingIsReproducibleForASeedAndVariesAcrossSeeds() {
        TinyModel model = TinyModel.of(TinyModel.mistral(), DType.BF16, 4);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            Set<List<Integer>> outcomes = new HashSet<>();
            for (long seed = 0; seed < 4; seed++) {
                Generation first = lm.generate(PROMPT, request(10, 1.5, 0.95, seed, List.of(), List.of()));
                Generation again = lm.generate(PROMPT, request(10, 1.5, 0.95, seed, List.of(), List.of()));
                assertArrayEquals(first.tokens(), again.tokens(), "seed " + seed);
                assertEquals(first.text(), again.text());
                outcomes.add(Arrays.stream(first.tokens()).boxed().toList());
            }
            assertTrue(outcomes.size() > 1, "four seeds at temperature 1.5 all gave " + outcomes);
        }
    }

    @Test
    void tinyTopPKeepsOnlyTheMostProbableToken() {
        TinyModel model = TinyModel.of(TinyModel.qwen2(), DType.F32, 8);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            Generation greedy = lm.generate(PROMPT, request(6, 0, 1, 0, List.of(), List.of()));
            Generation nucleus = lm.generate(PROMPT, request(6, 1.0, 1e-9, 123, List.of(), List.of()));
            assertArrayEquals(greedy.tokens(), nucleus.tokens());
        }
    }

    @Test
    void stopTokenEndsGenerationWithoutBeingReturned() {
        TinyModel model = TinyModel.of(TinyModel.gqa(), DType.F32, 12);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            int[] free = lm.generate(PROMPT, request(8, 0, 1, 0, List.of(), List.of())).tokens();
            int stop = free[3];
            int firstAt = 0;
            while (free[firstAt] != stop) {
                firstAt++;
            }
            Generation stopped = lm.generate(PROMPT, request(8, 0, 1, 0, List.of(stop), List.of()));
            assertEquals(Generation.StopReason.STOP_TOKEN, stopped.stopReason());
            assertArrayEquals(Arrays.copyOf(free, firstAt), stopped.tokens());
            assertEquals(WORDS.decode(Arrays.copyOf(free, firstAt), true), stopped.text());
        }
    }

    @Test
    void stopStringCutsTheTextBeforeIt() {
        TinyModel model = TinyModel.of(TinyModel.llama2(), DType.F16, 12);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            int[] free = lm.generate(PROMPT, request(8, 0, 1, 0, List.of(), List.of())).tokens();
            String stop = "w" + free[4] + " ";
            int firstAt = 0;
            while (free[firstAt] != free[4]) {
                firstAt++;
            }
            Generation stopped = lm.generate(PROMPT, request(8, 0, 1, 0, List.of(), List.of("zzz", stop)));
            assertEquals(Generation.StopReason.STOP_STRING, stopped.stopReason());
            assertArrayEquals(Arrays.copyOf(free, firstAt + 1), stopped.tokens());
            assertEquals(WORDS.decode(Arrays.copyOf(free, firstAt), true), stopped.text());
        }
    }

    @Test
    void tokenLimitAndFullContextStopGeneration() {
        TinyModel model = TinyModel.of(TinyModel.tied().withMaxPositions(9), DType.F32, 2);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            Generation limited = lm.generate(PROMPT, request(3, 0, 1, 0, List.of(), List.of()));
            assertEquals(Generation.StopReason.MAX_TOKENS, limited.stopReason());
            assertEquals(3, limited.tokens().length);
            assertEquals(WORDS.decode(limited.tokens(), true), limited.text());

            Generation full = lm.generate(PROMPT, request(20, 0, 1, 0, List.of(), List.of()));
            assertEquals(Generation.StopReason.CONTEXT_FULL, full.stopReason());
            assertEquals(9 - PROMPT.length, full.tokens().length, "prompt plus generated tokens fill the context");
            assertArrayEquals(limited.tokens(), Arrays.copyOf(full.tokens(), 3), "greedy is deterministic");

            assertThrows(IllegalArgumentException.class, () -> lm.generate(new int[0], request(3, 0, 1, 0, List.of(),
                    List.of())));
            assertThrows(IllegalArgumentException.class, () -> lm.generate(new int[10], request(3, 0, 1, 0, List.of(),
                    List.of())));
        }
    }

    @Test
    void samplerDrawsFromTheTemperatureSoftmax() {
        float[] logits = {0, (float) Math.log(3), -1000};
        TokenSampler sampler = new TokenSampler(1.0, 1.0, 77);
        int[] counts = new int[3];
        for (int i = 0; i < 20000; i++) {
            counts[sampler.next(logits)]++;
        }
        assertEquals(0, counts[2]);
        // p(1) = 3/4: the binomial standard deviation over 20000 draws is about 61.
        assertEquals(15000, counts[1], 400);
        assertNotEquals(0, counts[0]);
        // top-p 0.5: only token 1 (mass 0.75) is in the nucleus.
        TokenSampler nucleus = new TokenSampler(1.0, 0.5, 3);
        for (int i = 0; i < 100; i++) {
            assertEquals(1, nucleus.next(logits));
        }
    }
}
