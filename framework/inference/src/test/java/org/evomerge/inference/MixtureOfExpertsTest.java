package org.evomerge.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.inference.Generation;
import org.evomerge.api.inference.GenerationRequest;
import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Mixtral-style models ({@code MixtralForCausalLM}, 4 experts, top-2) against {@link ReferenceLlama}'s float64
 * {@code MixtralSparseMoeBlock}, with the error measure of {@link LlamaForwardTest}; batched generation against one
 * prompt at a time, bit for bit.
 */
class MixtureOfExpertsTest {

    private static final LlamaInferenceEngine ENGINE = new LlamaInferenceEngine(2, m -> Optional.empty());

    private static TinyModel mixtral(DType dtype, long seed) {
        return TinyModel.mixtral(TinyModel.mistral(), 4, 2, dtype, seed);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16", "Q8_0"})
    void logitsMatchTheDoublePrecisionReference(DType dtype) {
        TinyModel model = mixtral(dtype, 42);
        int[] tokens = LlamaForwardTest.randomTokens(16, model.spec.vocab(), 7);
        double[][] expected = new ReferenceLlama(model).logits(tokens);
        try (LanguageModel lm = ENGINE.load(model.model())) {
            try (InferenceSession session = lm.newSession()) {
                for (int i = 0; i < tokens.length; i++) {
                    double error = LlamaForwardTest.relativeError(session.append(tokens[i]), expected[i]);
                    assertTrue(error < LlamaForwardTest.TOLERANCE, dtype + " position " + i + ": relative error "
                            + error);
                }
            }
            try (InferenceSession session = lm.newSession()) {
                double error = LlamaForwardTest.relativeError(session.append(tokens), expected[tokens.length - 1]);
                assertTrue(error < LlamaForwardTest.TOLERANCE, dtype + " prefill: relative error " + error);
            }
        }
    }

    @Test
    void everyExpertIsUsedAndTheChoiceMatters() {
        TinyModel model = mixtral(DType.F32, 42);
        int[] tokens = LlamaForwardTest.randomTokens(16, model.spec.vocab(), 7);
        // The test is only as good as its routing: the tokens must reach every expert, and routing to the top two
        // must give other logits than weighting every expert by the full softmax.
        ReferenceLlama reference = new ReferenceLlama(model);
        double[][] routed = reference.logits(tokens);
        for (int e = 0; e < 4; e++) {
            assertTrue(reference.expertUses[e] > 0, "expert " + e + " is used: "
                    + Arrays.toString(reference.expertUses));
        }
        // The same weights (same seed) with every expert used, weighted by the full softmax.
        TinyModel dense = TinyModel.mixtral(TinyModel.mistral(), 4, 4, DType.F32, 42);
        double[][] constant = new ReferenceLlama(dense).logits(tokens);
        double difference = 0;
        for (int i = 0; i < tokens.length; i++) {
            float[] asFloat = new float[constant[i].length];
            for (int j = 0; j < asFloat.length; j++) {
                asFloat[j] = (float) constant[i][j];
            }
            difference = Math.max(difference, LlamaForwardTest.relativeError(asFloat, routed[i]));
        }
        assertTrue(difference > 100 * LlamaForwardTest.TOLERANCE, "top-2 routing changes the logits: " + difference);
    }

    @Test
    void batchedGenerationIsBitForBitEachPromptAlone() {
        TinyModel model = mixtral(DType.BF16, 31);
        Random random = new Random(5);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            prompts.add(random.ints(1 + random.nextInt(i % 3 == 0 ? 3 : 9), 1, model.spec.vocab()).toArray());
        }
        GenerationRequest request = GenerationRequest.greedy(10, Optional.empty());
        try (LanguageModel lm = ENGINE.load(model.model())) {
            List<Generation> together = lm.generateAll(prompts, request);
            for (int i = 0; i < prompts.size(); i++) {
                Generation alone = lm.generate(prompts.get(i), request);
                assertArrayEquals(alone.tokens(), together.get(i).tokens(), "prompt " + i + " "
                        + Arrays.toString(prompts.get(i)));
            }
        }
    }

    @Test
    void missingExpertAndBadExpertCountsAreNamed() {
        TinyModel missing = mixtral(DType.F32, 1);
        missing.remove("model.layers.1.block_sparse_moe.experts.3.w2.weight");
        EvomergeException e = assertThrows(EvomergeException.class, () -> ENGINE.load(missing.model()));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().contains("'model.layers.1.block_sparse_moe.experts.3.w2.weight' is missing"),
                e.getMessage());

        TinyModel tooMany = TinyModel.mixtral(TinyModel.mistral(), 4, 5, DType.F32, 1);
        EvomergeException refused = assertThrows(EvomergeException.class, () -> ENGINE.load(tooMany.model()));
        assertTrue(refused.getMessage().contains("'num_experts_per_tok' is 5, expected 1 to num_local_experts (4)"),
                refused.getMessage());
    }
}
