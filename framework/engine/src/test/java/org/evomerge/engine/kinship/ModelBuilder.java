package org.evomerge.engine.kinship;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;

/** Builds the in-memory models of the kinship tests, tensor by tensor. */
final class ModelBuilder {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final List<InMemoryTensor> tensors = new ArrayList<>();

    ModelBuilder tensor(String name, Shape shape, float... values) {
        tensors.add(InMemoryTensor.ofFloats(name, shape, values));
        return this;
    }

    /** {@code values} are stored as float32 bytes; {@code dtype} other than F32 only for non-real test tensors. */
    ModelBuilder tensor(String name, DType dtype, Shape shape, float... values) {
        MemorySegment data = Arena.ofAuto().allocate(Math.max(1, (long) values.length * 4), 4);
        MemorySegment.copy(values, 0, data, F32, 0, values.length);
        TensorInfo info = new TensorInfo(name, dtype, shape, "");
        tensors.add(new InMemoryTensor(info, data.asSlice(0, info.byteSize())));
        return this;
    }

    Model build() {
        return InMemoryModel.of(new ModelConfig(Map.of(), Map.of("model_type", "test")), tensors);
    }

    static float[] values(Model model, String name) {
        return model.tensors().tensor(name).data().toArray(F32);
    }
}
