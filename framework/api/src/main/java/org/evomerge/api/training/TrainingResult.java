package org.evomerge.api.training;

import java.util.List;
import java.util.Objects;
import org.evomerge.api.Experimental;
import org.evomerge.api.model.Model;

/**
 * What a training run produced.
 *
 * @param model          the trained model, in memory (float32 tensors, LoRA merged); the caller closes it
 * @param stepLosses     the mean training loss (natural log, per target token) of every optimizer step, in order
 * @param tokensTrained  the tokens that went through forward and backward passes
 * @param seconds        wall-clock training time
 */
@Experimental(since = "0.1.0",
        reason = "fine-tuning for mutations (full or LoRA); settings and results may gain fields")
public record TrainingResult(Model model, List<Double> stepLosses, long tokensTrained, double seconds) {

    public TrainingResult {
        Objects.requireNonNull(model, "model");
        stepLosses = List.copyOf(stepLosses);
    }
}
