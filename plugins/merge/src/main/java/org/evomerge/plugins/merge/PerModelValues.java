package org.evomerge.plugins.merge;

import java.util.List;
import org.evomerge.api.merge.InputModel;

/** Reads a {@code PER_MODEL} number of every model, failing with a message that names the tensor and the model. */
final class PerModelValues {

    private PerModelValues() {
    }

    /** The value of {@code name} for each of {@code models} of tensor {@code tensorName}, in order. */
    static double[] numbers(String tensorName, List<InputModel> models, String name, String method) {
        double[] values = new double[models.size()];
        for (int m = 0; m < values.length; m++) {
            InputModel model = models.get(m);
            if (!model.parameters().has(name)) {
                throw InputArity.error(tensorName, method,
                        "needs parameter '" + name + "' for model '" + model.model() + "'");
            }
            values[m] = model.parameters().number(name);
        }
        return values;
    }
}
