package org.evomerge.training.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.inference.LlamaInferenceEngine;
import org.evomerge.training.kernels.RowParallelKernels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Training's forward pass and the inference engine's give the same logits for the same weights and tokens: both read
 * the model through {@code LlamaConfig} and rotate with the one {@code RotaryEmbedding}, and differ only in their
 * float32 kernels (training's products split over rows with their own summation order and {@code Math.exp}, the
 * engine's fixed-order partial sums and its own exponential). So the logits agree within float32 roundings, not bit
 * for bit: {@code |Δ| ≤ 1e-4 · (1 + |logit|)} (measured: at most 7e-6 · (1 + |logit|) on logits up to 6.4), while
 * leaving out the rope scaling alone moves them by more than 5.
 */
class ForwardParityTest {

    private static final LlamaInferenceEngine ENGINE = new LlamaInferenceEngine(1, model -> Optional.empty());
    private static final int VOCAB = 29;
    /** Past rope scaling's original context of 16 positions, so the scaled frequencies matter. */
    private static final int LENGTH = 40;

    static Stream<Arguments> configurations() {
        Map<String, Object> llama3 = new LinkedHashMap<>();
        llama3.put("factor", 8.0);
        llama3.put("high_freq_factor", 4.0);
        llama3.put("low_freq_factor", 1.0);
        llama3.put("original_max_position_embeddings", 16);
        llama3.put("rope_type", "llama3");
        return Stream.of(
                Arguments.of("llama3 rope scaling, GQA, untied", llama3, false),
                Arguments.of("linear rope scaling, GQA, tied", Map.of("type", "linear", "factor", 2.0), true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void trainingAndInferenceGiveTheSameLogits(String name, Map<String, Object> ropeScaling, boolean tied) {
        Map<String, Object> stated = new LinkedHashMap<>();
        stated.put("num_hidden_layers", 2);
        stated.put("hidden_size", 32);
        stated.put("intermediate_size", 48);
        stated.put("num_attention_heads", 4);
        stated.put("num_key_value_heads", 2);
        stated.put("head_dim", 8);
        stated.put("vocab_size", VOCAB);
        stated.put("tie_word_embeddings", tied);
        stated.put("rope_theta", 500000.0);
        stated.put("rope_scaling", ropeScaling);
        stated.put("rms_norm_eps", 1e-5);
        stated.put("max_position_embeddings", 128);
        ModelConfig config = TrainableLlama.newModelConfig(stated);
        TrainableLlama trainable = TrainableLlama.initialize(config, 0.3, new SplittableRandom(7));
        int[] tokens = new SplittableRandom(11).ints(LENGTH, 0, VOCAB).toArray();

        float[] trained;
        try (RowParallelKernels kernels = new RowParallelKernels(1)) {
            trained = trainable.forward(Batch.ofPrompts(List.of(tokens)), kernels);
        }

        float[] inferred = inferenceLogits(trainable.toModel(config, List.of()), tokens);
        double largest = 0;
        for (int i = 0; i < trained.length; i++) {
            largest = Math.max(largest, Math.abs(trained[i]));
            assertTrue(Math.abs(inferred[i] - trained[i]) <= 1e-4 * (1 + Math.abs(trained[i])), name + ": position "
                    + i / VOCAB + ", token " + i % VOCAB + ": training " + trained[i] + ", inference " + inferred[i]);
        }
        assertTrue(largest > 1, "logits large enough to mean something: " + largest);

        // The comparison sees the scaling: the same weights without it give other logits past the first positions.
        Map<String, Object> unscaled = new LinkedHashMap<>(config.raw());
        unscaled.put("rope_scaling", null);
        float[] withoutScaling = inferenceLogits(trainable.toModel(config.withRaw(unscaled), List.of()), tokens);
        double moved = 0;
        for (int i = 0; i < trained.length; i++) {
            moved = Math.max(moved, Math.abs(withoutScaling[i] - trained[i]));
        }
        assertTrue(moved > 1, name + ": rope_scaling moves logits by " + moved);
    }

    /** The engine's logits at every position, the tokens appended one at a time (the decoding path). */
    private static float[] inferenceLogits(Model model, int[] tokens) {
        float[] logits = new float[tokens.length * VOCAB];
        try (LanguageModel lm = ENGINE.load(model); InferenceSession session = lm.newSession()) {
            for (int position = 0; position < tokens.length; position++) {
                float[] row = session.append(tokens[position]);
                assertEquals(VOCAB, row.length);
                System.arraycopy(row, 0, logits, position * VOCAB, VOCAB);
            }
        }
        return logits;
    }
}
