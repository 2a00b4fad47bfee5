package org.evomerge.plugins.merge;

import org.pf4j.Extension;

/**
 * {@code dare_linear} (DARE, Yu et al.): drop each task-vector element at random, keeping it with probability
 * {@code density} ({@link DareDrop}), rescale the survivors, and add the weighted sum to the base.
 *
 * <p>Parameters: {@code weight} (required), {@code density} (default 1) per model; {@code normalize} (default false),
 * {@code rescale} (default <b>true</b>), {@code lambda} (default 1) per tensor; globally {@code dare_rescale}
 * ({@code l1}: preserve each task vector's L1 norm, mergekit, default | {@code inverse_density}: divide by density,
 * DARE paper).
 *
 * <p>Randomness: model m's element i is kept iff {@code input.random().fork(m).uniform(i) < density}. density 1 is
 * task arithmetic; density 0 zeroes a task vector (no NaN); weights summing to |Σw| &lt; 1e-8 with {@code normalize}
 * leave the sum undivided. A missing base model is a configuration error naming the tensor.
 */
@Extension
public class DareLinearMergeFactory extends GeneralizedTaskArithmeticFactory {

    public DareLinearMergeFactory() {
        super(GtaMethod.DARE_LINEAR);
    }
}
