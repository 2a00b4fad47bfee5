package org.evomerge.plugins.merge;

import org.pf4j.Extension;

/**
 * {@code task_arithmetic} (Ilharco et al.): base + λ·Σ_m w_m·(x_m − base), divided by Σ_m w_m when {@code normalize}
 * (default false, as mergekit).
 *
 * <p>Parameters: {@code weight} (per model, required), {@code normalize} and {@code lambda} (per tensor). Weights that
 * sum to |Σw| &lt; 1e-8 with {@code normalize} on leave the sum undivided (divisor 1, as mergekit). Without models the
 * base is returned; without a base model the merge fails with a configuration error naming the tensor. mergekit's
 * {@code density} and {@code rescale} are not offered here: task arithmetic does not sparsify.
 */
@Extension
public class TaskArithmeticMergeFactory extends GeneralizedTaskArithmeticFactory {

    public TaskArithmeticMergeFactory() {
        super(GtaMethod.TASK_ARITHMETIC);
    }
}
