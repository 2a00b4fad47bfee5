package org.evomerge.plugins.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.api.tensor.TensorSource;

/**
 * The tensors of one mapped GGUF file, under their Hugging Face names. Data are read-only views of the mapping, except
 * for tensors whose rows must be reordered: those are copied on each request into memory the garbage collector frees.
 * Safe for concurrent reads; closing unmaps the file.
 */
final class GgufTensors implements TensorSource {

    /**
     * Where a tensor's bytes are.
     *
     * @param info          as listed
     * @param fileOffset    first byte in the file
     * @param rows          rows of the row-major shape (its first dimension)
     * @param permutedHeads heads whose rows must be put back into Hugging Face order, or 0
     * @param shift         subtracted from every (F32) value: the converter's {@link GgufTensorNames#normShift}
     */
    record Slot(TensorInfo info, long fileOffset, long rows, int permutedHeads, float shift) {
    }

    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment file;
    private final Arena arena;
    private final Map<String, Slot> slots;
    private final List<TensorInfo> infos;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Takes ownership of {@code arena}, which maps {@code file}. */
    GgufTensors(MemorySegment file, Arena arena, List<Slot> slots) {
        this.file = file;
        this.arena = arena;
        Map<String, Slot> byName = new LinkedHashMap<>();
        List<TensorInfo> listed = new ArrayList<>(slots.size());
        for (Slot slot : slots) {
            byName.put(slot.info().name(), slot);
            listed.add(slot.info());
        }
        this.slots = Collections.unmodifiableMap(byName);
        this.infos = List.copyOf(listed);
    }

    @Override
    public List<TensorInfo> tensors() {
        return infos;
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(slots.get(name)).map(Slot::info);
    }

    @Override
    public Tensor tensor(String name) {
        Slot slot = slots.get(name);
        if (slot == null) {
            throw new NoSuchElementException("no tensor '" + name + "' in this GGUF model");
        }
        if (closed.get()) {
            throw new IllegalStateException("the GGUF model is closed");
        }
        MemorySegment data = file.asSlice(slot.fileOffset(), slot.info().byteSize());
        if (slot.permutedHeads() > 0) {
            data = LlamaQkRowOrder.toHuggingFace(data, slot.rows(), slot.permutedHeads(), Arena.ofAuto()).asReadOnly();
        }
        if (slot.shift() != 0) {
            MemorySegment unshifted = Arena.ofAuto().allocate(data.byteSize());
            for (long i = 0; i < data.byteSize(); i += 4) {
                unshifted.set(F32, i, data.get(F32, i) - slot.shift());
            }
            data = unshifted.asReadOnly();
        }
        return new InMemoryTensor(slot.info(), data);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            arena.close();
        }
    }
}
