package org.evomerge.plugins.merge;

import org.pf4j.Extension;

/**
 * {@code ties} (TIES-Merging, Yadav et al.): trim each task vector to its ⌊density·n⌋ largest-magnitude elements per
 * tensor ({@link MagnitudeTrim}), elect a sign per element, and average the agreeing weighted deltas
 * ({@link SignConsensus}).
 *
 * <p>Parameters: {@code weight} (required), {@code density} (default 1) per model; {@code normalize} (default
 * <b>true</b>), {@code rescale} (default false: L1 rescale of the trimmed vectors), {@code lambda} (default 1) per
 * tensor; {@code sign_election} ({@code sum}|{@code count}) and {@code disjoint_mean} ({@code weighted}|{@code count})
 * globally, mergekit's behaviour by default.
 *
 * <p>Defined where mergekit is not: k = 0 makes that model's task vector zero (mergekit asserts); among equal
 * magnitudes the lower index is kept, so exactly k elements survive; an element where no model agrees keeps the base
 * value; a divisor below 1e-8 in magnitude counts as 1. Trimming is per tensor, as in mergekit; {@code trim_scope:
 * model} trims over the whole model as the TIES paper does ({@link ModelWideTrim}). A missing base model is a configuration error naming the tensor.
 */
@Extension
public class TiesMergeFactory extends GeneralizedTaskArithmeticFactory {

    public TiesMergeFactory() {
        super(GtaMethod.TIES);
    }
}
