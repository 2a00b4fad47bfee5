package org.evomerge.plugins.merge;

import org.pf4j.Extension;

/**
 * {@code dare_ties} (DARE, Yu et al., with TIES sign consensus): drop each task-vector element at random, keeping it
 * with probability {@code density} ({@link DareDrop}), rescale the survivors, then elect signs and combine the agreeing
 * weighted deltas ({@link SignConsensus}).
 *
 * <p>Parameters: {@code weight} (required), {@code density} (default 1) per model; {@code normalize} (default false),
 * {@code rescale} (default <b>true</b>), {@code lambda} (default 1) per tensor; globally {@code dare_rescale}
 * ({@code l1}: preserve each task vector's L1 norm, mergekit, default | {@code inverse_density}: divide by density,
 * DARE paper), {@code sign_election} ({@code sum}|{@code count}) and {@code disjoint_mean}
 * ({@code weighted}|{@code count}).
 *
 * <p>Randomness: model m's element i is kept iff {@code input.random().fork(m).uniform(i) < density}, so results
 * depend only on the seed, never on threads. density 0 zeroes a task vector (no NaN); an element where no model
 * agrees keeps the base value; a divisor below 1e-8 in magnitude counts as 1. A missing base model is a configuration
 * error naming the tensor.
 */
@Extension
public class DareTiesMergeFactory extends GeneralizedTaskArithmeticFactory {

    public DareTiesMergeFactory() {
        super(GtaMethod.DARE_TIES);
    }
}
