package org.evomerge.plugins.merge;

import org.pf4j.Extension;

/**
 * {@code della} (DELLA-Merging, Deep et al.): MAGPRUNE drops each task-vector element at random with a keep
 * probability from density − ε (smallest |δ| of its row) to density + ε (largest) ({@link DellaPrune}), rescales the
 * survivors to the L1 norm, then elects signs and averages the agreeing weighted deltas ({@link SignConsensus}).
 *
 * <p>Parameters: {@code weight} (required), {@code density} (default 1), {@code epsilon} (default 0.15) per model;
 * {@code normalize} (default <b>true</b>), {@code rescale} (default <b>true</b>), {@code lambda} (default 1) per
 * tensor; {@code sign_election} ({@code sum}|{@code count}) and {@code disjoint_mean} ({@code weighted}|{@code count})
 * globally, mergekit's behaviour by default.
 *
 * <p>Rows are along the first dimension (a 1-D tensor is one row); a single-element row has r̂ = 0.5 (mergekit: NaN).
 * density ≤ 0 zeroes a task vector; density ≥ 1 keeps it whole; otherwise density − ε ≤ 0 or density + ε ≥ 1 is a
 * configuration error naming the tensor (mergekit raises). Randomness: model m's element i uses
 * {@code input.random().fork(m).uniform(i)}. A missing base model is a configuration error naming the tensor.
 */
@Extension
public class DellaMergeFactory extends GeneralizedTaskArithmeticFactory {

    public DellaMergeFactory() {
        super(GtaMethod.DELLA);
    }
}
