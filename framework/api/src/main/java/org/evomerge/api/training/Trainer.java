package org.evomerge.api.training;

import org.evomerge.api.Experimental;
import org.evomerge.api.model.Model;

/**
 * Run-scoped service that trains models: mutations get it with {@code context.service(Trainer.class)} and never
 * construct a trainer themselves.
 *
 * <p>Results depend only on the inputs and {@link TrainingSettings#seed()}, never on the thread count.
 */
@Experimental(since = "0.1.0",
        reason = "fine-tuning for mutations (full or LoRA); settings and results may gain fields")
public interface Trainer {

    /**
     * Fine-tunes {@code base} on {@code data} as {@code settings} say. {@code base} is only read; the result holds
     * its own copy of every weight (LoRA adapters already merged into them), the base's configuration and side
     * files, and stays valid after {@code base} is closed.
     *
     * @throws org.evomerge.api.EvomergeException (input) when the architecture, a configuration field, a tensor or a
     *     token id is not supported, naming it; (configuration) when the settings do not fit the model (e.g. a LoRA
     *     target module it does not have)
     */
    TrainingResult fineTune(Model base, TrainingData data, TrainingSettings settings);
}
