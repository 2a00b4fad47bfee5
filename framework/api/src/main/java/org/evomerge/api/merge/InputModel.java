package org.evomerge.api.merge;

import java.util.Objects;
import org.evomerge.api.Stable;
import org.evomerge.api.parameter.Parameters;

/**
 * One input model of the tensor being merged, without its values (they come in {@link
 * org.evomerge.api.tensor.TensorBlocks}).
 *
 * @param model      the model's name as the recipe gives it
 * @param parameters this model's {@link org.evomerge.api.parameter.ParameterScope#PER_MODEL} values for this tensor
 */
@Stable(since = "0.1.0")
public record InputModel(String model, Parameters parameters) {

    public InputModel {
        Objects.requireNonNull(model, "model");
        parameters = parameters == null ? Parameters.EMPTY : parameters;
    }
}
