package org.evomerge.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import org.evomerge.api.inference.Generation;
import org.evomerge.api.inference.GenerationRequest;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.inference.Tokenizer;
import org.evomerge.api.tensor.DType;
import org.junit.jupiter.api.Test;

/**
 * {@link LanguageModel#generateAll} on the CPU kernels runs the prompts together; each result must be bit for bit what
 * {@link LanguageModel#generate} gives alone: the same tokens (so the same argmax of the same logits), text and stop
 * reason.
 */
class BatchedGenerationTest {

    private static final LlamaInferenceEngine ENGINE = new LlamaInferenceEngine(2, m -> Optional.empty());

    /** Token {@code i} decodes to {@code "w<i> "}. */
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

    /**
     * Prompts of 1 to 3 tokens (one-token order), 4 and more (batch order), several sharing a few-shot prefix and
     * some equal, so the shared prefix, the batched prefill and the one-by-one prefill all run.
     */
    private static List<int[]> prompts(int vocab, long seed, int count) {
        Random random = new Random(seed);
        int[] fewShot = random.ints(12, 1, vocab).toArray();
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int length = 1 + random.nextInt(i % 3 == 0 ? 3 : 9);
            int[] own = random.ints(length, 1, vocab).toArray();
            if (i % 2 == 1) {
                int[] joined = Arrays.copyOf(fewShot, fewShot.length + own.length);
                System.arraycopy(own, 0, joined, fewShot.length, own.length);
                own = joined;
            }
            prompts.add(own);
        }
        prompts.add(prompts.get(1).clone());
        return prompts;
    }

    private static void assertSameAsOneByOne(LanguageModel lm, List<int[]> prompts, GenerationRequest request) {
        List<Generation> together = lm.generateAll(prompts, request);
        assertEquals(prompts.size(), together.size());
        for (int i = 0; i < prompts.size(); i++) {
            Generation alone = lm.generate(prompts.get(i), request);
            String what = "prompt " + i + " " + Arrays.toString(prompts.get(i));
            assertArrayEquals(alone.tokens(), together.get(i).tokens(), what);
            assertEquals(alone.text(), together.get(i).text(), what);
            assertEquals(alone.stopReason(), together.get(i).stopReason(), what);
        }
    }

    @Test
    void greedyContinuationsAreThoseOfEachPromptAlone() {
        for (DType dtype : List.of(DType.F32, DType.BF16, DType.F16, DType.Q8_0)) {
            TinyModel model = TinyModel.of(TinyModel.llama3(), dtype, 31);
            try (LanguageModel lm = ENGINE.load(model.model())) {
                assertSameAsOneByOne(lm, prompts(lm.vocabularySize(), 5, 40),
                        new GenerationRequest(12, 0, 1, 0, List.of(), List.of(), Optional.of(WORDS)));
            }
        }
    }

    @Test
    void everyStopRuleEndsEachSequenceAsItWouldAlone() {
        TinyModel model = TinyModel.of(TinyModel.gqa().withMaxPositions(24), DType.F32, 12);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            List<int[]> prompts = prompts(lm.vocabularySize(), 9, 60);
            // Stop tokens and strings taken from what the prompts generate alone, so some sequences stop early.
            Set<Integer> seen = new java.util.TreeSet<>();
            for (int[] prompt : prompts.subList(0, 8)) {
                for (int token : lm.generate(prompt, GenerationRequest.greedy(3, Optional.empty())).tokens()) {
                    seen.add(token);
                }
            }
            List<Integer> stops = seen.stream().limit(2).toList();
            List<String> stopStrings = seen.stream().skip(2).limit(1).map(t -> "w" + t + " ").toList();
            GenerationRequest request = new GenerationRequest(16, 0, 1, 0, stops, stopStrings, Optional.of(WORDS));
            assertSameAsOneByOne(lm, prompts, request);
            Set<Generation.StopReason> reasons = EnumSet.noneOf(Generation.StopReason.class);
            lm.generateAll(prompts, request).forEach(g -> reasons.add(g.stopReason()));
            assertEquals(EnumSet.allOf(Generation.StopReason.class), reasons,
                    "the prompts should end by every rule (max positions 24, up to 21-token prompts)");
        }
    }

    @Test
    void sampledContinuationsDrawAsEachPromptAlone() {
        TinyModel model = TinyModel.of(TinyModel.mistral(), DType.BF16, 4);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            assertSameAsOneByOne(lm, prompts(lm.vocabularySize(), 2, 30),
                    new GenerationRequest(10, 0.8, 0.9, 77, List.of(), List.of(), Optional.of(WORDS)));
        }
    }

    @Test
    void moreSequencesThanOneGroupRunInSeveral() {
        TinyModel model = TinyModel.of(TinyModel.qwen2(), DType.F32, 8);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            List<int[]> prompts = prompts(lm.vocabularySize(), 3, BatchedGeneration.MAX_SEQUENCES + 37);
            List<Generation> together = lm.generateAll(prompts,
                    new GenerationRequest(3, 0, 1, 0, List.of(), List.of(), Optional.of(WORDS)));
            for (int i : new int[] {0, 1, BatchedGeneration.MAX_SEQUENCES - 1, BatchedGeneration.MAX_SEQUENCES,
                    prompts.size() - 1}) {
                assertArrayEquals(lm.generate(prompts.get(i), GenerationRequest.greedy(3, Optional.empty())).tokens(),
                        together.get(i).tokens(), "prompt " + i);
            }
        }
    }

    /**
     * The forward pass itself, bit for bit: a shared prefix copied into each cache, then the prompts' rows together in
     * the batch order, then a decoding step of every sequence together in the one-token order, against each sequence
     * run alone as a session runs it.
     */
    @Test
    void batchedRowsHaveTheBitsOfEachSequenceAlone() {
        TinyModel model = TinyModel.of(TinyModel.gqa(), DType.BF16, 3);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            LlamaLanguageModel llama = (LlamaLanguageModel) lm;
            LlamaForward forward = llama.forward();
            int hidden = forward.config().hidden();
            int[][] prompts = {{7, 8, 9, 10, 11, 12}, {7, 8, 9, 30, 31}, {7, 8, 9, 40, 41, 42, 43, 44}};
            KeyValueCache prefix = llama.newCache();
            forward.runSequences(new KeyValueCache[] {prefix}, new int[][] {{7, 8, 9}}, SummationOrder.PANEL);
            KeyValueCache[] together = new KeyValueCache[prompts.length];
            int[][] suffixes = new int[prompts.length][];
            for (int s = 0; s < prompts.length; s++) {
                together[s] = llama.newCache();
                together[s].copyPrefix(prefix, 3);
                suffixes[s] = Arrays.copyOfRange(prompts[s], 3, prompts[s].length);
            }
            float[] prefilled = forward.runSequences(together, suffixes, SummationOrder.PANEL);
            float[] stepped = forward.runSequences(together, new int[][] {{1}, {2}, {3}}, SummationOrder.DOT);
            for (int s = 0; s < prompts.length; s++) {
                KeyValueCache alone = llama.newCache();
                assertArrayEquals(forward.run(alone, prompts[s], 1),
                        Arrays.copyOfRange(prefilled, s * hidden, (s + 1) * hidden), "prefill of " + s);
                assertArrayEquals(forward.run(alone, new int[] {s + 1}, 1),
                        Arrays.copyOfRange(stepped, s * hidden, (s + 1) * hidden), "decoding step of " + s);
            }
        }
    }

    /** The logits every token is drawn from, bit for bit those of a session fed the same prompt and tokens. */
    @Test
    void everyTokenIsDrawnFromTheLogitsOfASessionAlone() {
        for (DType dtype : List.of(DType.F32, DType.BF16, DType.F16, DType.Q8_0)) {
            everyTokenIsDrawnFromTheLogitsOfASessionAlone(TinyModel.of(TinyModel.llama3(), dtype, 17));
        }
    }

    private static void everyTokenIsDrawnFromTheLogitsOfASessionAlone(TinyModel model) {
        try (LanguageModel lm = ENGINE.load(model.model())) {
            LlamaLanguageModel llama = (LlamaLanguageModel) lm;
            List<int[]> prompts = prompts(lm.vocabularySize(), 11, 25);
            List<List<float[]>> seen = new ArrayList<>();
            prompts.forEach(p -> seen.add(new ArrayList<>()));
            List<Generation> generations = new BatchedGeneration(llama).run(prompts,
                    GenerationRequest.greedy(6, Optional.empty()), (logits, index) -> seen.get(index).add(logits));
            for (int i = 0; i < prompts.size(); i++) {
                int[] tokens = generations.get(i).tokens();
                try (var session = lm.newSession()) {
                    float[] logits = session.append(prompts.get(i));
                    for (int j = 0; j < tokens.length; j++) {
                        assertArrayEquals(logits, seen.get(i).get(j), "prompt " + i + ", token " + j);
                        logits = session.append(tokens[j]);
                    }
                }
                assertEquals(tokens.length, seen.get(i).size(), "prompt " + i);
            }
        }
    }

    /** The orders really differ on these weights: a batched step in the wrong order would change bits. */
    @Test
    void theTwoSummationOrdersRoundDifferently() {
        TinyModel model = TinyModel.of(TinyModel.llama3(), DType.F32, 31);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            LlamaForward forward = ((LlamaLanguageModel) lm).forward();
            int[] prompt = prompts(lm.vocabularySize(), 5, 2).get(1);
            float[] dot = forward.runSequences(new KeyValueCache[] {((LlamaLanguageModel) lm).newCache()},
                    new int[][] {prompt}, SummationOrder.DOT);
            float[] panel = forward.runSequences(new KeyValueCache[] {((LlamaLanguageModel) lm).newCache()},
                    new int[][] {prompt}, SummationOrder.PANEL);
            float[] alone = forward.run(((LlamaLanguageModel) lm).newCache(), prompt, 1);
            assertArrayEquals(alone, panel);
            assertNotEquals(Arrays.toString(dot), Arrays.toString(panel));
        }
    }

    @Test
    void badPromptsAreRejectedBeforeAnythingRuns() {
        TinyModel model = TinyModel.of(TinyModel.llama2(), DType.F32, 1);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            GenerationRequest request = GenerationRequest.greedy(2, Optional.empty());
            assertThrows(IllegalArgumentException.class, () -> lm.generateAll(List.of(new int[] {1}, new int[0]),
                    request));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> lm.generateAll(List.of(new int[] {1}, new int[] {lm.vocabularySize()}), request));
            assertTrue(e.getMessage().contains("outside the vocabulary"), e.getMessage());
            assertEquals(List.of(), lm.generateAll(List.of(), request));
        }
    }
}
