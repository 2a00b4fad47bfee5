package org.evomerge.engine.merge;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.InMemoryTensors;
import org.evomerge.api.tensor.TensorInfo;

/**
 * A {@link ModelWriter} that keeps the tensors in memory instead of writing files, so a merge result can be scored
 * without touching the disk (the evolution engine merges every candidate this way). Tensors are copied into one
 * shared arena owned by the {@link InMemoryModel} (format id {@code memory}) {@link #commit() commit} hands out, whose
 * side files are the reference model's, so evaluators can load its tokenizer; closing that model frees them.
 *
 * <p>Thread-safe for {@link #write} from several threads, as {@code MergeExecutor} calls it.
 */
public final class InMemoryModelWriter implements ModelWriter {

    private final List<TensorInfo> layout;
    private final Map<String, TensorInfo> declarations = new java.util.HashMap<>();
    private final ModelConfig config;
    private final List<Path> sideFiles;
    private final Arena arena = Arena.ofShared();
    private final Map<String, MemorySegment> written = new ConcurrentHashMap<>();
    private final Map<String, Part> parts = new ConcurrentHashMap<>();
    private final AtomicBoolean released = new AtomicBoolean();
    private InMemoryModel committed;

    /**
     * @param layout    every tensor that will be written, in the order the model lists them
     * @param config    the model's configuration
     * @param sideFiles files the model carries (the reference model's tokenizer files)
     */
    public InMemoryModelWriter(List<TensorInfo> layout, ModelConfig config, List<Path> sideFiles) {
        this.layout = List.copyOf(layout);
        layout.forEach(t -> declarations.put(t.name(), t));
        this.config = config;
        this.sideFiles = List.copyOf(sideFiles);
    }

    @Override
    public void write(TensorInfo info, MemorySegment data) {
        check(info);
        if (data.byteSize() != info.byteSize()) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' has " + data.byteSize() + " bytes, "
                    + info.byteSize() + " expected");
        }
        MemorySegment copy = allocate(info);
        copy.copyFrom(data);
        if (parts.containsKey(info.name()) || written.putIfAbsent(info.name(), copy) != null) {
            throw new IllegalStateException("tensor '" + info.name() + "' written twice");
        }
    }

    @Override
    public boolean writesInParts() {
        return true;
    }

    @Override
    public void writePart(TensorInfo info, long offset, MemorySegment part) {
        check(info);
        if (offset < 0 || part.byteSize() > info.byteSize() - offset) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' has " + info.byteSize()
                    + " bytes; a part of " + part.byteSize() + " at " + offset + " does not fit");
        }
        if (written.containsKey(info.name())) {
            throw new IllegalStateException("tensor '" + info.name() + "' written twice");
        }
        Part target = parts.computeIfAbsent(info.name(), name -> new Part(allocate(info),
                new java.util.concurrent.atomic.AtomicLong(info.byteSize())));
        target.data().asSlice(offset, part.byteSize()).copyFrom(part);
        if (target.pending().addAndGet(-part.byteSize()) == 0) {
            parts.remove(info.name());
            written.put(info.name(), target.data());
        }
    }

    /** A tensor being written in parts: its memory and the bytes still to come. */
    private record Part(MemorySegment data, java.util.concurrent.atomic.AtomicLong pending) {
    }

    private void check(TensorInfo info) {
        TensorInfo declared = declarations.get(info.name());
        if (declared == null) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' was not declared");
        }
        if (declared.dtype() != info.dtype() || !declared.shape().equals(info.shape())) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' does not match its declaration " + declared);
        }
    }

    private MemorySegment allocate(TensorInfo info) {
        return arena.allocate(Math.max(1, info.byteSize()), 64).asSlice(0, info.byteSize());
    }

    /** Checks that every declared tensor arrived; the model is then available from {@link #model()}. */
    @Override
    public void commit() {
        for (TensorInfo t : layout) {
            if (!written.containsKey(t.name())) {
                throw new IllegalStateException("tensor '" + t.name() + "' was declared but not written");
            }
        }
        List<InMemoryTensor> tensors = layout.stream().map(t -> new InMemoryTensor(t, written.get(t.name()))).toList();
        committed = new InMemoryModel(InMemoryModel.FORMAT_ID, Optional.empty(), config, InMemoryTensors.of(tensors),
                sideFiles, this::release);
    }

    /**
     * The committed model; it owns the memory from now on (close it to free it).
     *
     * @throws IllegalStateException before {@link #commit()}
     */
    public Model model() {
        if (committed == null) {
            throw new IllegalStateException("the in-memory model is not committed");
        }
        return committed;
    }

    /** Frees the tensors unless a committed model took them over. */
    @Override
    public void close() {
        if (committed == null) {
            release();
        }
    }

    /** Frees the tensors, once: the committed model and this writer may both ask. */
    private void release() {
        if (released.compareAndSet(false, true)) {
            arena.close();
        }
    }
}
