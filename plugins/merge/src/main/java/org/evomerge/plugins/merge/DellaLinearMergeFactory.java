package org.evomerge.plugins.merge;

import org.pf4j.Extension;

/**
 * {@code della_linear}: DELLA's MAGPRUNE ({@link DellaPrune}) and L1 rescale without sign consensus; the weighted sum
 * of the pruned task vectors is added to the base.
 *
 * <p>Parameters: {@code weight} (required), {@code density} (default 1), {@code epsilon} (default 0.15) per model;
 * {@code normalize} (default false), {@code rescale} (default <b>true</b>), {@code lambda} (default 1) per tensor.
 *
 * <p>Rows are along the first dimension (a 1-D tensor is one row); a single-element row has r̂ = 0.5 (mergekit: NaN).
 * density ≤ 0 zeroes a task vector; density ≥ 1 keeps it whole; otherwise density − ε ≤ 0 or density + ε ≥ 1 is a
 * configuration error naming the tensor. Weights summing to |Σw| &lt; 1e-8 with {@code normalize} leave the sum
 * undivided. A missing base model is a configuration error naming the tensor.
 */
@Extension
public class DellaLinearMergeFactory extends GeneralizedTaskArithmeticFactory {

    public DellaLinearMergeFactory() {
        super(GtaMethod.DELLA_LINEAR);
    }
}
