package org.evomerge.engine.merge;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;

/** Float32 models held in memory for engine tests, from arrays (the test kit depends on the engine). */
final class ArrayModels {

    private ArrayModels() {
    }

    /** A Llama-named model of {@code layers} layers, tensors in the order of {@code shapes}. */
    static InMemoryModel llama(int layers, Map<String, Shape> shapes, Map<String, float[]> values) {
        return of(new ModelConfig(Map.of("model_type", "llama", "num_hidden_layers", layers),
                Map.of("architectures", List.of("LlamaForCausalLM"))), shapes, values);
    }

    /** A model of any architecture: {@code config} as given, tensors in the order of {@code shapes}. */
    static InMemoryModel of(ModelConfig config, Map<String, Shape> shapes, Map<String, float[]> values) {
        List<InMemoryTensor> tensors = new ArrayList<>();
        shapes.forEach((name, shape) -> tensors.add(InMemoryTensor.ofFloats(name, shape, values.get(name))));
        return InMemoryModel.of(config, tensors);
    }
}
