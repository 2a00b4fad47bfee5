package org.evomerge.engine.evaluation;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.api.tensor.TensorSource;

/** One-tensor float32 models held on the heap. */
final class TestModels {

    private TestModels() {
    }

    static Model floats(String name, float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buffer.putFloat(v);
        }
        MemorySegment data = MemorySegment.ofArray(buffer.array()).asReadOnly();
        TensorInfo info = new TensorInfo(name, DType.F32, Shape.of(values.length), "");
        Tensor tensor = new Tensor() {
            @Override
            public TensorInfo info() {
                return info;
            }

            @Override
            public MemorySegment data() {
                return data;
            }
        };
        TensorSource source = new TensorSource() {
            @Override
            public List<TensorInfo> tensors() {
                return List.of(info);
            }

            @Override
            public Tensor tensor(String n) {
                return tensor;
            }

            @Override
            public void close() {
            }
        };
        return new Model() {
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
                return new ModelConfig(java.util.Map.of(), java.util.Map.of("model_type", "llama"));
            }

            @Override
            public TensorSource tensors() {
                return source;
            }

            @Override
            public List<Path> sideFiles() {
                return List.of();
            }

            @Override
            public void close() {
            }
        };
    }
}
