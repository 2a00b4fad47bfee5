package org.evomerge.engine.merge;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.api.tensor.TensorSource;

/** A float32 model held in native memory (Llama-named unless given a config), for engine tests (the test kit's InMemoryModel depends on us). */
final class ArrayModel implements Model {

    private final ModelConfig config;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    ArrayModel(int layers, Map<String, Shape> shapes, Map<String, float[]> values) {
        this(new ModelConfig(Map.of("model_type", "llama", "num_hidden_layers", layers),
                Map.of("architectures", List.of("LlamaForCausalLM"))), shapes, values);
    }

    /** A model of any architecture: {@code config} as given, tensors in the order of {@code shapes}. */
    ArrayModel(ModelConfig config, Map<String, Shape> shapes, Map<String, float[]> values) {
        this.config = config;
        Arena arena = Arena.ofAuto();
        shapes.forEach((name, shape) -> {
            float[] v = values.get(name);
            MemorySegment data = arena.allocate((long) v.length * Float.BYTES);
            MemorySegment.copy(v, 0, data, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0,
                    v.length);
            TensorInfo info = new TensorInfo(name, DType.F32, shape, "");
            tensors.put(name, new Tensor() {
                public TensorInfo info() {
                    return info;
                }

                public MemorySegment data() {
                    return data;
                }
            });
        });
    }

    public String formatId() {
        return "memory";
    }

    public Optional<Path> location() {
        return Optional.empty();
    }

    public ModelConfig config() {
        return config;
    }

    public TensorSource tensors() {
        return new TensorSource() {
            public List<TensorInfo> tensors() {
                return tensors.values().stream().map(Tensor::info).toList();
            }

            public Tensor tensor(String name) {
                Tensor t = tensors.get(name);
                if (t == null) {
                    throw new NoSuchElementException(name);
                }
                return t;
            }

            public void close() {
            }
        };
    }

    public List<Path> sideFiles() {
        return List.of();
    }

    public void close() {
    }
}
