package org.evomerge.engine.recipe;

/**
 * The half-open range {@code [start, end)} of layers a slice takes from one source.
 *
 * @param start the first layer, 0-based
 * @param end   one past the last layer
 */
public record LayerRange(int start, int end) {

    /** What a layer range must be. */
    public static final String RULE = "must be [start, end) with 0 <= start < end";

    public LayerRange {
        if (start < 0 || end <= start) {
            throw new InvalidRecipeException("", RULE);
        }
    }

    /** The number of layers. */
    public int length() {
        return end - start;
    }
}
