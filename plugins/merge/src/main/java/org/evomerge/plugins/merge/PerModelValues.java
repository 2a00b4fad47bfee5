package org.evomerge.plugins.merge;

import java.util.List;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.ModelTensor;

/** Reads a {@code PER_MODEL} number of every model, failing with a message that names the tensor and the model. */
final class PerModelValues {

    private PerModelValues() {
    }

    /** The value of {@code name} for each of {@code models}, in order. */
    static double[] numbers(MergeInput input, List<ModelTensor> models, String name, String method) {
        double[] values = new double[models.size()];
        for (int m = 0; m < values.length; m++) {
            ModelTensor model = models.get(m);
            if (!model.parameters().has(name)) {
                throw InputArity.error(input, method,
                        "needs parameter '" + name + "' for model '" + model.model() + "'");
            }
            values[m] = model.parameters().number(name);
        }
        return values;
    }
}
