package org.evomerge.engine.merge;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.api.tensor.TensorSource;

/**
 * A model held only in memory (format id {@code memory}): a merge result made by {@link InMemoryModelWriter}. Its
 * side files are the reference model's, so evaluators can load its tokenizer. Closing it frees the tensors; using
 * them afterwards fails.
 */
final class MemoryModel implements Model {

    private final ModelConfig config;
    private final List<TensorInfo> layout;
    private final Map<String, MemorySegment> tensors;
    private final List<Path> sideFiles;
    private final Arena arena;
    private final AtomicBoolean closed = new AtomicBoolean();

    MemoryModel(ModelConfig config, List<TensorInfo> layout, Map<String, MemorySegment> tensors, List<Path> sideFiles,
                Arena arena) {
        this.config = config;
        this.layout = List.copyOf(layout);
        this.tensors = tensors;
        this.sideFiles = List.copyOf(sideFiles);
        this.arena = arena;
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
                return layout;
            }

            @Override
            public Tensor tensor(String name) {
                MemorySegment data = tensors.get(name);
                if (data == null) {
                    throw new NoSuchElementException("no tensor '" + name + "' in the in-memory model");
                }
                TensorInfo info = layout.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
                MemorySegment view = data.asReadOnly();
                return new Tensor() {
                    @Override
                    public TensorInfo info() {
                        return info;
                    }

                    @Override
                    public MemorySegment data() {
                        return view;
                    }
                };
            }

            @Override
            public void close() {
                // The model owns the memory; its tensor source is a view.
            }
        };
    }

    @Override
    public List<Path> sideFiles() {
        return sideFiles;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            arena.close();
        }
    }
}
