package org.evomerge.testkit;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
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

/** A float32 model held on the heap, for tests of evaluators, mutations and anything else that reads models. */
public final class InMemoryModel implements Model {

    private final ModelConfig config;
    private final Map<String, Tensor> tensors;

    private InMemoryModel(ModelConfig config, Map<String, Tensor> tensors) {
        this.config = config;
        this.tensors = tensors;
    }

    public static Builder builder(ModelConfig config) {
        return new Builder(config);
    }

    /** Adds float32 tensors in insertion order. */
    public static final class Builder {
        private final ModelConfig config;
        private final Map<String, Tensor> tensors = new LinkedHashMap<>();

        private Builder(ModelConfig config) {
            this.config = config;
        }

        public Builder tensor(String name, Shape shape, float... values) {
            if (values.length != shape.elementCount()) {
                throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + shape);
            }
            MemorySegment data = Arena.ofAuto().allocate((long) values.length * Float.BYTES, Float.BYTES);
            MemorySegment.copy(values, 0, data, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0,
                    values.length);
            TensorInfo info = new TensorInfo(name, DType.F32, shape, "");
            MemorySegment readOnly = data.asReadOnly();
            tensors.put(name, new Tensor() {
                @Override
                public TensorInfo info() {
                    return info;
                }

                @Override
                public MemorySegment data() {
                    return readOnly;
                }
            });
            return this;
        }

        public InMemoryModel build() {
            return new InMemoryModel(config, new LinkedHashMap<>(tensors));
        }
    }

    @Override
    public String formatId() {
        return "memory";
    }

    @Override
    public Optional<Path> location() {
        return Optional.empty();
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public TensorSource tensors() {
        return new TensorSource() {
            @Override
            public List<TensorInfo> tensors() {
                List<TensorInfo> infos = new ArrayList<>();
                tensors.values().forEach(t -> infos.add(t.info()));
                return infos;
            }

            @Override
            public Tensor tensor(String name) {
                Tensor tensor = tensors.get(name);
                if (tensor == null) {
                    throw new NoSuchElementException("no tensor '" + name + "'");
                }
                return tensor;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public List<Path> sideFiles() {
        return List.of();
    }

    @Override
    public void close() {
    }
}
