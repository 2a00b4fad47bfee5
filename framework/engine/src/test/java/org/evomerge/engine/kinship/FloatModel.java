package org.evomerge.engine.kinship;

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

/** A float32 model on the heap for kinship tests (the test kit's InMemoryModel depends on the engine). */
final class FloatModel implements Model {

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    FloatModel tensor(String name, Shape shape, float... values) {
        return tensor(name, DType.F32, shape, values);
    }

    /** {@code values} are stored as float32 bytes; {@code dtype} other than F32 only for non-real test tensors. */
    FloatModel tensor(String name, DType dtype, Shape shape, float... values) {
        if (values.length != shape.elementCount()) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for " + shape);
        }
        MemorySegment data = Arena.ofAuto().allocate(Math.max(1, (long) values.length * 4), 4);
        MemorySegment.copy(values, 0, data, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0,
                values.length);
        TensorInfo info = new TensorInfo(name, dtype, shape, "");
        MemorySegment view = data.asSlice(0, info.byteSize()).asReadOnly();
        tensors.put(name, new Tensor() {
            @Override
            public TensorInfo info() {
                return info;
            }

            @Override
            public MemorySegment data() {
                return view;
            }
        });
        return this;
    }

    float[] values(String name) {
        return tensors.get(name).data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
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
        return new ModelConfig(Map.of(), Map.of("model_type", "test"));
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
                Tensor t = tensors.get(name);
                if (t == null) {
                    throw new NoSuchElementException(name);
                }
                return t;
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
