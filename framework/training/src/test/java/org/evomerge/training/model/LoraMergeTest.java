package org.evomerge.training.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.SplittableRandom;
import org.evomerge.api.training.TrainingSettings;
import org.evomerge.training.kernels.RowParallelKernels;
import org.junit.jupiter.api.Test;

/** Merging adapters into the weights changes nothing the model computes. */
class LoraMergeTest {

    @Test
    void forwardWithAdaptersEqualsForwardOfMergedWeights() {
        try (RowParallelKernels kernels = new RowParallelKernels(1)) {
            TrainableLlama model = GradientCheckTest.tinyModel(false, 21);
            model.attachLora(4, 8.0, Set.copyOf(TrainingSettings.Lora.LLAMA_MODULES), new SplittableRandom(2));
            SplittableRandom r = new SplittableRandom(8);
            for (Parameter p : model.trainable()) {
                float[] v = p.value();
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * 0.2);
                }
            }
            Batch batch = GradientCheckTest.tinyBatch();
            float[] adapted = model.forward(batch, kernels);
            TrainableLlama plain = GradientCheckTest.tinyModel(false, 21);
            float[] unadapted = plain.forward(batch, kernels);
            model.mergeLora();
            assertTrue(model.trainable().isEmpty(), "no adapters remain after merging");
            float[] merged = model.forward(batch, kernels);
            double maxDiff = 0;
            double maxAdapterEffect = 0;
            for (int i = 0; i < merged.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(merged[i] - adapted[i]));
                maxAdapterEffect = Math.max(maxAdapterEffect, Math.abs(adapted[i] - unadapted[i]));
            }
            assertTrue(maxAdapterEffect > 0.1, "the adapters must change the output for this test to mean anything");
            // float32 sums in another order: differences stay at rounding level relative to logits of order 1-10.
            assertEquals(0, maxDiff, 1e-4, "merged vs adapted logits");
        }
    }
}
