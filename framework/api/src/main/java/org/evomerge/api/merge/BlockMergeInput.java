package org.evomerge.api.merge;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.evomerge.api.Experimental;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorBlocks;

/**
 * What a merge method sees for a tensor it merges in blocks ({@link MergeMethod#mergeBlocks}): the same as a
 * {@link MergeInput}, with the values streamed by {@link #blocks()} instead of held in arrays.
 *
 * @param tensorName the output tensor's name
 * @param shape      the shape shared by all inputs
 * @param models     the non-base inputs, in recipe order (block arrays come in this order)
 * @param base       the base model, when the recipe names one
 * @param parameters this tensor's {@code PER_TENSOR} values
 * @param random     a source forked for this tensor only
 * @param blocks     the inputs' values; {@code null} in the input {@link MergeMethod#mergesInBlocks} is asked with
 */
@Experimental(since = "0.1.0", reason = "tensors streamed in blocks: the block size and the passes may be tuned")
public record BlockMergeInput(
        String tensorName,
        Shape shape,
        List<InputModel> models,
        Optional<InputModel> base,
        Parameters parameters,
        RandomSource random,
        TensorBlocks blocks) {

    public BlockMergeInput {
        Objects.requireNonNull(tensorName, "tensorName");
        Objects.requireNonNull(shape, "shape");
        models = List.copyOf(models);
        base = base == null ? Optional.empty() : base;
        parameters = parameters == null ? Parameters.EMPTY : parameters;
        Objects.requireNonNull(random, "random");
    }

    /** The number of elements of every input. */
    public long elementCount() {
        return shape.elementCount();
    }

    /** This input with the values to stream. */
    public BlockMergeInput withBlocks(TensorBlocks values) {
        return new BlockMergeInput(tensorName, shape, models, base, parameters, random, values);
    }
}
