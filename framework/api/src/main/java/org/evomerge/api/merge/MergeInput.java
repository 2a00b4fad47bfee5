package org.evomerge.api.merge;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.evomerge.api.Stable;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.Shape;

/**
 * Everything a merge method sees for one tensor. The engine has already resolved parameters for this tensor
 * (gradients over layers, name filters, precedence), cast every input to float32 and cut mismatched embeddings to
 * their common block.
 *
 * @param tensorName the output tensor's name
 * @param shape      the shape shared by all inputs
 * @param models     the non-base inputs, in recipe order
 * @param base       the base model's tensor, when the recipe names a base model
 * @param parameters this tensor's {@code PER_TENSOR} values ({@code GLOBAL} ones went to
 *                   {@link MergeMethodFactory#create}, {@code PER_MODEL} ones are on each {@link ModelTensor})
 * @param random     a source forked for this tensor only, so results do not depend on scheduling
 */
@Stable(since = "0.1.0")
public record MergeInput(
        String tensorName,
        Shape shape,
        List<ModelTensor> models,
        Optional<ModelTensor> base,
        Parameters parameters,
        RandomSource random) {

    public MergeInput {
        Objects.requireNonNull(tensorName, "tensorName");
        Objects.requireNonNull(shape, "shape");
        models = List.copyOf(models);
        base = base == null ? Optional.empty() : base;
        parameters = parameters == null ? Parameters.EMPTY : parameters;
        Objects.requireNonNull(random, "random");
        long count = shape.elementCount();
        for (ModelTensor m : models) {
            if (m.values().length != count) {
                throw new IllegalArgumentException(tensorName + ": model '" + m.model() + "' has " + m.values().length
                        + " elements, shape " + shape + " needs " + count);
            }
        }
        base.ifPresent(b -> {
            if (b.values().length != count) {
                throw new IllegalArgumentException(tensorName + ": base '" + b.model() + "' has " + b.values().length
                        + " elements, shape " + shape + " needs " + count);
            }
        });
    }

    /** The number of elements of every input. */
    public int elementCount() {
        return Math.toIntExact(shape.elementCount());
    }
}
