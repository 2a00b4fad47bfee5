package org.evomerge.plugins.merge;

import org.evomerge.api.tensor.Shape;

/**
 * One model's task vector for one tensor, δ = model − base, computed on demand in float32 (the working precision, as
 * mergekit subtracts in the base dtype) so it never needs an array of its own. Recomputing an element always gives the
 * same float, which lets a sparsifier read δ in several passes.
 *
 * @param tensorName the tensor's name, for error messages
 * @param modelName  the model's name, for error messages
 * @param shape      the tensor's shape (DELLA ranks along rows)
 * @param model      the fine-tuned model's values; read only
 * @param base       the base model's values, as long as {@code model}; read only
 */
record TaskDelta(String tensorName, String modelName, Shape shape, float[] model, float[] base) {

    /** δ at element {@code i}. */
    float at(int i) {
        return model[i] - base[i];
    }

    /** |δ| at element {@code i}; never −0. */
    float magnitude(int i) {
        return Math.abs(model[i] - base[i]);
    }

    int size() {
        return model.length;
    }

    /** Writes |δ| into {@code target[0..size())}. */
    void magnitudesInto(float[] target) {
        for (int i = 0; i < model.length; i++) {
            target[i] = Math.abs(model[i] - base[i]);
        }
    }
}
