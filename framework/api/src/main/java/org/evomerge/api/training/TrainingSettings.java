package org.evomerge.api.training;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.evomerge.api.Experimental;

/**
 * Hyperparameters of one training run. The optimiser is AdamW (decoupled weight decay, applied to matrices only,
 * not to normalisation weights); the learning rate warms up linearly over {@code warmupSteps} and then follows a
 * cosine down to zero at {@code steps}.
 *
 * @param steps            optimizer steps, at least 1
 * @param batchSize        examples per micro-batch, at least 1
 * @param accumulation     micro-batches whose gradients are summed (and averaged) per optimizer step, at least 1
 * @param maxSequenceLength examples longer than this are cut to their first {@code maxSequenceLength} tokens
 * @param learningRate     peak learning rate, positive
 * @param warmupSteps      steps of linear warm-up, in {@code [0, steps]}
 * @param weightDecay      AdamW's decoupled weight decay, at least 0
 * @param beta1            AdamW's first-moment decay, in [0, 1)
 * @param beta2            AdamW's second-moment decay, in [0, 1)
 * @param epsilon          AdamW's denominator epsilon, positive
 * @param maxGradientNorm  clip the global gradient norm to this (PyTorch's {@code clip_grad_norm_}); 0 disables it
 * @param lora             LoRA adapters to train instead of all weights; {@code null} for full fine-tuning
 * @param seed             seeds data order and adapter initialisation
 */
@Experimental(since = "0.1.0",
        reason = "fine-tuning for mutations (full or LoRA); settings and results may gain fields")
public record TrainingSettings(
        int steps,
        int batchSize,
        int accumulation,
        int maxSequenceLength,
        double learningRate,
        int warmupSteps,
        double weightDecay,
        double beta1,
        double beta2,
        double epsilon,
        double maxGradientNorm,
        Lora lora,
        long seed) {

    public TrainingSettings {
        require(steps >= 1, "steps must be at least 1, got " + steps);
        require(batchSize >= 1, "batchSize must be at least 1, got " + batchSize);
        require(accumulation >= 1, "accumulation must be at least 1, got " + accumulation);
        require(maxSequenceLength >= 2, "maxSequenceLength must be at least 2, got " + maxSequenceLength);
        require(learningRate > 0 && Double.isFinite(learningRate),
                "learningRate must be positive, got " + learningRate);
        require(warmupSteps >= 0 && warmupSteps <= steps, "warmupSteps must be in [0, steps], got " + warmupSteps);
        require(weightDecay >= 0, "weightDecay must be at least 0, got " + weightDecay);
        require(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1), got " + beta1);
        require(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1), got " + beta2);
        require(epsilon > 0, "epsilon must be positive, got " + epsilon);
        require(maxGradientNorm >= 0, "maxGradientNorm must be at least 0, got " + maxGradientNorm);
    }

    /** Full fine-tuning with common defaults (AdamW 0.9/0.999/1e-8, weight decay 0.01, clip 1.0, 10% warm-up). */
    public static TrainingSettings of(int steps, int batchSize, double learningRate, long seed) {
        return new TrainingSettings(steps, batchSize, 1, 512, learningRate, steps / 10, 0.01, 0.9, 0.999, 1e-8, 1.0,
                null, seed);
    }

    /** These settings with LoRA adapters. */
    public TrainingSettings withLora(Lora adapters) {
        return new TrainingSettings(steps, batchSize, accumulation, maxSequenceLength, learningRate, warmupSteps,
                weightDecay, beta1, beta2, epsilon, maxGradientNorm, adapters, seed);
    }

    /** These settings with another maximum sequence length. */
    public TrainingSettings withMaxSequenceLength(int length) {
        return new TrainingSettings(steps, batchSize, accumulation, length, learningRate, warmupSteps, weightDecay,
                beta1, beta2, epsilon, maxGradientNorm, lora, seed);
    }

    /** These settings with gradient accumulation over {@code microBatches} micro-batches. */
    public TrainingSettings withAccumulation(int microBatches) {
        return new TrainingSettings(steps, batchSize, microBatches, maxSequenceLength, learningRate, warmupSteps,
                weightDecay, beta1, beta2, epsilon, maxGradientNorm, lora, seed);
    }

    /** These settings with another warm-up length. */
    public TrainingSettings withWarmupSteps(int warmup) {
        return new TrainingSettings(steps, batchSize, accumulation, maxSequenceLength, learningRate, warmup,
                weightDecay, beta1, beta2, epsilon, maxGradientNorm, lora, seed);
    }

    /** These settings with another weight decay. */
    public TrainingSettings withWeightDecay(double decay) {
        return new TrainingSettings(steps, batchSize, accumulation, maxSequenceLength, learningRate, warmupSteps,
                decay, beta1, beta2, epsilon, maxGradientNorm, lora, seed);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * Low-rank adapters (Hu et al. 2021, as PEFT implements them): each target projection {@code W} becomes
     * {@code W + (alpha / rank) B A} with {@code A} drawn uniformly from {@code ±1/sqrt(in)} and {@code B = 0}; only
     * {@code A} and {@code B} train, and they are merged into {@code W} when training ends.
     *
     * @param rank          at least 1
     * @param alpha         scaling numerator, positive
     * @param targetModules projection names: any of {@code q_proj k_proj v_proj o_proj gate_proj up_proj down_proj}
     */
    public record Lora(int rank, double alpha, Set<String> targetModules) {

        /** Every projection LoRA can adapt in a Llama decoder. */
        public static final List<String> LLAMA_MODULES =
                List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

        public Lora {
            require(rank >= 1, "LoRA rank must be at least 1, got " + rank);
            require(alpha > 0, "LoRA alpha must be positive, got " + alpha);
            Objects.requireNonNull(targetModules, "targetModules");
            targetModules = Set.copyOf(targetModules);
            require(!targetModules.isEmpty(), "LoRA needs at least one target module");
            for (String module : targetModules) {
                require(LLAMA_MODULES.contains(module), "unknown LoRA target module '" + module + "' (known: "
                        + String.join(", ", LLAMA_MODULES) + ")");
            }
        }
    }
}
