package org.evomerge.engine.kinship;

/** The precision task vectors are compared in. */
public enum KinshipPrecision {
    /** The stored values, decoded to float and accumulated in double. */
    FULL,
    /**
     * Each task-vector tensor quantised to int8 first ({@code q = clamp(round(127·x / max|x|), −127, 127)}, per model
     * and tensor, as ModelKinship's {@code --low-precision}), then products accumulated exactly in integers. Unlike
     * ModelKinship, the quantised values are scaled back by {@code max|x| / 127}, so tensors keep their relative
     * weight in whole-model statistics and the result approximates {@link #FULL}.
     */
    INT8
}
