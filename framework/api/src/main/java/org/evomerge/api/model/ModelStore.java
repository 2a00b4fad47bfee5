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
@Experimental(since = "0.1.0", reason = "whole-weight individuals as model folders; storage and clean-up may change")
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

    /**
     * Stores {@code model}'s tensors, config and side files as a new individual (e.g. a fine-tuned model held in
     * memory), published atomically.
     */
    ModelGenome write(Model model, String label);

    /**
     * Takes a model folder written by someone else (a user's training script) into the store as a new individual;
     * the folder is copied, so the caller may delete it afterwards.
     *
     * @throws org.evomerge.api.EvomergeException (input) when the folder is not a readable model
     */
    ModelGenome adopt(java.nio.file.Path folder, String label);

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
