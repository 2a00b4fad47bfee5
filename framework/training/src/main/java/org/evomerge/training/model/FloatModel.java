package org.evomerge.training.model;

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

/**
 * A trained model held in memory: float32 tensors copied out of the training parameters, the configuration and the
 * side files of the model it started from. Its format id is {@code memory}; write it with any writable format.
 * Thread-safe for reads; its memory is freed when it becomes unreachable.
 */
public final class FloatModel implements Model {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final ModelConfig config;
    private final List<Path> sideFiles;
    private final Map<String, Tensor> tensors;

    /** Copies the current values of {@code weights}. */
    public FloatModel(ModelConfig config, List<Parameter> weights, List<Path> sideFiles) {
        this.config = float32(config);
        this.sideFiles = List.copyOf(sideFiles);
        this.tensors = new LinkedHashMap<>();
        for (Parameter p : weights) {
            float[] values = p.value();
            MemorySegment data = Arena.ofAuto().allocate((long) values.length * Float.BYTES, Float.BYTES);
            MemorySegment.copy(values, 0, data, F32, 0, values.length);
            TensorInfo info = new TensorInfo(p.name(), DType.F32, Shape.of(p.shape()), "");
            MemorySegment readOnly = data.asReadOnly();
            tensors.put(p.name(), new Tensor() {
                @Override
                public TensorInfo info() {
                    return info;
                }

                @Override
                public MemorySegment data() {
                    return readOnly;
                }
            });
        }
    }

    /**
     * The configuration with its dtype key saying what the tensors now are: {@code dtype} (transformers 4.56 on) or
     * {@code torch_dtype} (before), whichever it has.
     */
    private static ModelConfig float32(ModelConfig config) {
        Map<String, Object> raw = new LinkedHashMap<>(config.raw());
        for (String key : List.of("dtype", "torch_dtype")) {
            if (raw.containsKey(key)) {
                raw.put(key, "float32");
            }
        }
        return config.withRaw(raw);
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
        return sideFiles;
    }

    @Override
    public void close() {
    }
}
