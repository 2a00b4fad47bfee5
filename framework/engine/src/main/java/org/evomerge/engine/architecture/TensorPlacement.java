package org.evomerge.engine.architecture;

import java.util.OptionalInt;

/**
 * Where a tensor sits in its model.
 *
 * @param role  what it does
 * @param layer the transformer layer it belongs to, if any
 */
public record TensorPlacement(TensorRole role, OptionalInt layer) {

    public static final TensorPlacement UNKNOWN = new TensorPlacement(TensorRole.OTHER, OptionalInt.empty());

    /** Outside the layers and before them (embeddings): mergekit resolves these against the first slice. */
    public boolean isBeforeLayers() {
        return layer.isEmpty() && (role == TensorRole.EMBEDDING || role == TensorRole.POSITION_EMBEDDING);
    }

    /** Outside the layers and after them (final norm, output head): resolved against the last slice. */
    public boolean isAfterLayers() {
        return layer.isEmpty() && (role == TensorRole.FINAL_NORM || role == TensorRole.OUTPUT_HEAD);
    }
}
