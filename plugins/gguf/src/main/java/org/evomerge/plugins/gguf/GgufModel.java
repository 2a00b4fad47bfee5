package org.evomerge.plugins.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.api.tensor.TensorSource;

/** An opened GGUF file. Its tokenizer lives in the metadata, so it has no side files. */
final class GgufModel implements Model {

    private final Path path;
    private final ModelConfig config;
    private final GgufTensors tensors;

    private GgufModel(Path path, ModelConfig config, GgufTensors tensors) {
        this.path = path;
        this.config = config;
        this.tensors = tensors;
    }

    /**
     * The model in {@code file}, whose header is {@code header}; takes ownership of {@code arena} (which maps the file)
     * once it returns.
     *
     * @throws org.evomerge.api.EvomergeException (INPUT) if the tensors cannot be presented in Hugging Face form
     */
    static GgufModel of(Path path, GgufHeader header, MemorySegment file, Arena arena) {
        ModelConfig config = GgufModelConfig.of(path, header);
        String architecture = GgufModelConfig.architecture(path, header.metadata());
        String fileName = path.getFileName() == null ? path.toString() : path.getFileName().toString();
        List<GgufTensors.Slot> slots = new ArrayList<>(header.tensors().size());
        Set<String> names = new HashSet<>();
        for (GgufTensorEntry entry : header.tensors()) {
            String name = GgufTensorNames.toHuggingFace(architecture, entry.name());
            if (!names.add(name)) {
                throw GgufFormat.inputError(path, "tensor " + GgufFormat.quote(entry.name()) + " maps to "
                        + GgufFormat.quote(name) + ", which another tensor already has");
            }
            long[] shape = entry.rowMajorShape();
            OptionalInt permuted = LlamaQkRowOrder.permutedHeads(architecture, entry.name(), config);
            int heads = permuted.orElse(0);
            if (permuted.isPresent()) {
                checkReorderable(path, entry, shape[0], heads, architecture);
            }
            TensorInfo info = new TensorInfo(name, entry.dtype(), Shape.of(shape), fileName);
            float shift = GgufTensorNames.normShift(architecture, entry.name());
            if (shift != 0 && entry.dtype() != DType.F32) {
                throw GgufFormat.inputError(path, "tensor " + GgufFormat.quote(entry.name()) + " is " + entry.ggmlType()
                        + "; a " + architecture + " norm weight must be F32 to have llama.cpp's +1 removed");
            }
            slots.add(new GgufTensors.Slot(info, header.dataOffset() + entry.offset(), shape[0], heads, shift));
        }
        return new GgufModel(path, config, new GgufTensors(file, arena, slots));
    }

    private static void checkReorderable(Path path, GgufTensorEntry entry, long rows, int heads, String architecture) {
        if (heads <= 0) {
            throw GgufFormat.inputError(path, "tensor " + GgufFormat.quote(entry.name()) + " needs " + architecture
                    + ".attention.head_count (and head_count_kv for k) to restore its row order, and the metadata lacks it");
        }
        if (rows % (2L * heads) != 0) {
            throw GgufFormat.inputError(path, "tensor " + GgufFormat.quote(entry.name()) + " has " + rows
                    + " rows, which do not split into " + heads + " heads of an even size");
        }
        if (entry.ne().length == 1 && entry.dtype().isQuantized()) {
            throw GgufFormat.inputError(path, "tensor " + GgufFormat.quote(entry.name()) + " is a block-quantised vector ("
                    + entry.ggmlType() + "), whose elements cannot be reordered one by one");
        }
    }

    @Override
    public String formatId() {
        return GgufFormat.ID;
    }

    @Override
    public Optional<Path> location() {
        return Optional.of(path.toAbsolutePath());
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public TensorSource tensors() {
        return tensors;
    }

    @Override
    public List<Path> sideFiles() {
        return List.of();
    }

    @Override
    public void close() {
        tensors.close();
    }
}
