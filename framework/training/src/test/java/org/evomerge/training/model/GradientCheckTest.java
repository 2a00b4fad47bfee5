package org.evomerge.training.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.training.TrainingData;
import org.evomerge.training.kernels.RowParallelKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hand-written backward pass against central finite differences of the loss, one parameter tensor (one layer
 * type) at a time: for a random unit direction {@code u} over the tensor, {@code ∇L·u} must match
 * {@code (L(w + hu) - L(w - hu)) / 2h}.
 *
 * <p>Tolerance: the maths runs in float32. With {@code h = 1e-2}, the rounding error of the difference quotient is
 * about {@code ε_f32 · |L| / h ≈ 6e-8 · 20 / 1e-2 ≈ 1e-4} and the truncation error {@code O(h²)} about 1e-4 for these
 * weights; the directional derivatives are of order 0.1 to 10, so a 2% relative tolerance (plus 2e-3 absolute)
 * flags any wrong term (a missing factor, sign or transpose gives errors of order 100%) while float noise passes.
 */
class GradientCheckTest {

    private static final RowParallelKernels KERNELS = new RowParallelKernels(2);

    @AfterAll
    static void close() {
        KERNELS.close();
    }

    static Stream<Arguments> tensors() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (boolean tied : new boolean[] {true, false}) {
            for (String name : List.of("model.embed_tokens.weight", "model.layers.0.input_layernorm.weight",
                    "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
                    "model.layers.0.self_attn.v_proj.weight", "model.layers.1.self_attn.o_proj.weight",
                    "model.layers.1.post_attention_layernorm.weight", "model.layers.0.mlp.gate_proj.weight",
                    "model.layers.1.mlp.up_proj.weight", "model.layers.0.mlp.down_proj.weight", "model.norm.weight")) {
                b.add(Arguments.of(tied, name));
            }
        }
        b.add(Arguments.of(false, "lm_head.weight"));
        return b.build();
    }

    /** Two layers, 4 query heads sharing 2 key/value heads (GQA), sequences of different lengths. */
    static TrainableLlama tinyModel(boolean tied, long seed) {
        ModelConfig config = TrainableLlama.newModelConfig(Map.of("num_hidden_layers", 2, "hidden_size", 16,
                "intermediate_size", 24, "num_attention_heads", 4, "num_key_value_heads", 2, "head_dim", 4,
                "vocab_size", 13, "tie_word_embeddings", tied, "rope_theta", 10000.0, "rms_norm_eps", 1e-5));
        return TrainableLlama.initialize(config, 0.3, new SplittableRandom(seed));
    }

    static Batch tinyBatch() {
        return Batch.of(List.of(
                TrainingData.Example.text(new int[] {1, 5, 7, 2, 9, 12, 3}),
                new TrainingData.Example(new int[] {4, 4, 8, 0, 11}, 2),
                TrainingData.Example.text(new int[] {6, 10, 3, 3, 1, 2, 7, 8, 5})), 64);
    }

    @ParameterizedTest(name = "tied={0} {1}")
    @MethodSource("tensors")
    void backwardMatchesFiniteDifferences(boolean tied, String name) {
        TrainableLlama model = tinyModel(tied, 42);
        model.trainAllWeights();
        Parameter p = model.weights().stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow();
        checkDirectionalDerivative(model, p, tinyBatch(), 7);
    }

    @Test
    void loraAdapterGradientsMatchFiniteDifferences() {
        TrainableLlama model = tinyModel(true, 5);
        model.attachLora(3, 6.0, Set.of("q_proj", "v_proj", "down_proj"), new SplittableRandom(9));
        List<Parameter> adapters = model.trainable();
        assertEquals(2 * 3 * 2, adapters.size(), "A and B for 3 modules in 2 layers");
        // B starts at zero, which hides A's gradient: give B values first.
        SplittableRandom r = new SplittableRandom(3);
        for (Parameter p : adapters) {
            if (p.name().endsWith("lora_B")) {
                float[] v = p.value();
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * 0.3);
                }
            }
        }
        for (Parameter p : adapters) {
            checkDirectionalDerivative(model, p, tinyBatch(), 11);
        }
    }

    private static void checkDirectionalDerivative(TrainableLlama model, Parameter p, Batch batch, long seed) {
        float[] w = p.value();
        SplittableRandom random = new SplittableRandom(seed);
        double[] u = new double[w.length];
        double norm = 0;
        for (int i = 0; i < u.length; i++) {
            u[i] = random.nextGaussian();
            norm += u[i] * u[i];
        }
        for (int i = 0; i < u.length; i++) {
            u[i] /= Math.sqrt(norm);
        }
        model.zeroGradients();
        model.forwardBackward(batch, 1.0, KERNELS);
        double analytic = 0;
        for (int i = 0; i < u.length; i++) {
            analytic += p.gradient()[i] * u[i];
        }
        double h = 1e-2;
        float[] original = w.clone();
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (original[i] + h * u[i]);
        }
        double plus = model.loss(batch, KERNELS);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (original[i] - h * u[i]);
        }
        double minus = model.loss(batch, KERNELS);
        System.arraycopy(original, 0, w, 0, w.length);
        double numeric = (plus - minus) / (2 * h);
        assertTrue(Math.abs(numeric) > 1e-3, p.name() + ": direction too flat to test (" + numeric + ")");
        assertEquals(numeric, analytic, 2e-3 + 0.02 * Math.abs(numeric),
                p.name() + ": analytic " + analytic + " vs numeric " + numeric);
    }
}
