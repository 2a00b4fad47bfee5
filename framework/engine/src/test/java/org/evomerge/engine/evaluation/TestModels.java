package org.evomerge.engine.evaluation;

import java.util.List;
import java.util.Map;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;

/** One-tensor float32 models held in memory. */
final class TestModels {

    private TestModels() {
    }

    static Model floats(String name, float[] values) {
        return InMemoryModel.of(new ModelConfig(Map.of(), Map.of("model_type", "llama")),
                List.of(InMemoryTensor.ofFloats(name, Shape.of(values.length), values)));
    }
}
