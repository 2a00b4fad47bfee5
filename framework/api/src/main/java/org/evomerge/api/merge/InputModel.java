package org.evomerge.api.merge;

import java.util.Objects;
import org.evomerge.api.Experimental;
import org.evomerge.api.parameter.Parameters;

/**
 * One input of a tensor merged in blocks ({@link BlockMergeInput}): the model and its parameters, without values.
 *
 * @param model      the model's name as the recipe gives it
 * @param parameters this model's {@link org.evomerge.api.parameter.ParameterScope#PER_MODEL} values for this tensor
 */
@Experimental(since = "0.1.0", reason = "tensors streamed in blocks: the block size and the passes may be tuned")
public record InputModel(String model, Parameters parameters) {

    public InputModel {
        Objects.requireNonNull(model, "model");
        parameters = parameters == null ? Parameters.EMPTY : parameters;
    }
}
