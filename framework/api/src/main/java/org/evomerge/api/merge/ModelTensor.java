package org.evomerge.api.merge;

import java.util.Objects;
import org.evomerge.api.Stable;
import org.evomerge.api.parameter.Parameters;

/**
 * One input model's version of the tensor being merged, in float32 working precision.
 *
 * @param model      the model's name as the recipe gives it
 * @param values     the elements in row-major order; read-only for the method
 * @param parameters this model's {@link org.evomerge.api.parameter.ParameterScope#PER_MODEL} values for this tensor
 */
@Stable(since = "0.1.0")
public record ModelTensor(String model, float[] values, Parameters parameters) {

    public ModelTensor {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(values, "values");
        parameters = parameters == null ? Parameters.EMPTY : parameters;
    }
}
