package org.evomerge.api.model;

import java.util.List;

import org.evomerge.api.Experimental;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.tensor.Shape;

/**
 * Run-scoped service holding whole-weight individuals (Evolver, GENOME, EvoMerge style): every
 * {@link ModelGenome} is a model folder the store wrote or adopted, memory-mapped when opened. Mutations and
 * crossovers over whole models get it with {@code context.service(ModelStore.class)}.
 */
@Experimental(since = "0.1.0", reason = "the evolution engine issue settles whole-weight individuals")
public interface ModelStore {

    /** Opens an individual; the caller closes the model. */
    Model open(ModelGenome genome);

    /**
     * Writes a new individual whose every tensor is {@code combiner} applied to the parents' tensors of the same
     * name, in float32, one tensor at a time (memory stays bounded by the largest tensor). Dtypes, config and side
     * files follow the first parent. The new individual is published atomically; a failure leaves nothing behind.
     *
     * @param label a short human-readable origin ("sparse-noise", "de-difference") recorded in its lineage
     */
    ModelGenome combine(List<ModelGenome> parents, TensorCombiner combiner, String label);

    /** Per-tensor arithmetic over parents' values; must be deterministic for a given tensor name. */
    @FunctionalInterface
    interface TensorCombiner {

        /**
         * @param parentValues one array per parent, in parent order, each of {@code shape.elementCount()} floats;
         *     the arrays may be reused as the result
         * @return the new tensor's values
         */
        float[] apply(String tensorName, Shape shape, List<float[]> parentValues);
    }
}
