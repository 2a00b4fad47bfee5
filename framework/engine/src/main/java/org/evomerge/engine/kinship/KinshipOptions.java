package org.evomerge.engine.kinship;

import java.util.Objects;

/**
 * What {@link KinshipCalculator} computes.
 *
 * @param perTensor keep the statistics of every tensor as well as the whole-model ones; the matrix then is the
 *                  element-weighted mean of the per-tensor values, skipping undefined (NaN) tensors, as
 *                  ModelKinship's {@code --split-calculation}
 * @param precision full or int8
 */
public record KinshipOptions(boolean perTensor, KinshipPrecision precision) {

    public KinshipOptions {
        Objects.requireNonNull(precision, "precision");
    }

    /** Whole-model, full precision. */
    public static KinshipOptions defaults() {
        return new KinshipOptions(false, KinshipPrecision.FULL);
    }
}
