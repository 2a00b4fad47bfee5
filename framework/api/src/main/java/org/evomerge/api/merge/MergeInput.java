package org.evomerge.api.merge;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.evomerge.api.Stable;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.Shape;

/**
 * What a merge method knows about one tensor besides its values (which come as {@link org.evomerge.api.tensor.TensorBlocks}):
 * the engine has already resolved the parameters for this tensor (gradients over layers, name filters, precedence)
 * and validated them, and will hand over every input in float32 (the working precision), cut to a common shape.
 *
 * @param tensorName the output tensor's name
 * @param shape      the shape shared by all inputs
 * @param models     the non-base inputs, in recipe order (the blocks' model arrays come in this order)
 * @param base       the base model, when the recipe names one
 * @param parameters this tensor's {@code PER_TENSOR} values ({@code GLOBAL} ones went to
 *                   {@link MergeMethodFactory#create}, {@code PER_MODEL} ones are on each {@link InputModel})
 * @param random     a source forked for this tensor only, so results do not depend on scheduling
 */
@Stable(since = "0.1.0")
public record MergeInput(
        String tensorName,
        Shape shape,
        List<InputModel> models,
        Optional<InputModel> base,
        Parameters parameters,
        RandomSource random) {

    public MergeInput {
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
}
