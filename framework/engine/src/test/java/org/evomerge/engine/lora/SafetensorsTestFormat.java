package org.evomerge.engine.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.InMemoryTensors;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;

/**
 * A single-file safetensors reader and writer for the engine's tests, which have no plugins: the layout of the file
 * (8-byte little-endian header length, JSON header with dtype, shape and data offsets, then the data) as Hugging Face
 * specifies it. The real format is the {@code safetensors} plugin's; the distribution's tests run that one.
 */
final class SafetensorsTestFormat implements ModelFormat {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public boolean recognizes(Path path) {
        return path.getFileName().toString().endsWith(".safetensors");
    }

    @Override
    public Model open(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            long length = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            JsonNode header = JSON.readTree(new String(bytes, 8, (int) length, StandardCharsets.UTF_8));
            List<InMemoryTensor> tensors = new ArrayList<>();
            MemorySegment all = MemorySegment.ofArray(bytes);
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                long[] dims = new long[e.getValue().get("shape").size()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = e.getValue().get("shape").get(i).asLong();
                }
                long begin = e.getValue().get("data_offsets").get(0).asLong();
                long end = e.getValue().get("data_offsets").get(1).asLong();
                MemorySegment data = Arena.ofAuto().allocate(Math.max(1, end - begin), 8).asSlice(0, end - begin);
                MemorySegment.copy(all, 8 + length + begin, data, 0, end - begin);
                tensors.add(new InMemoryTensor(new TensorInfo(e.getKey(),
                        DType.valueOf(e.getValue().get("dtype").asText()), Shape.of(dims), file.getFileName()
                        .toString()), data));
            }
            return new InMemoryModel("safetensors", Optional.of(file), ModelConfig.empty(),
                    InMemoryTensors.of(tensors), List.of(), () -> { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The header of {@code file}: tensor name to its dtype, shape and offsets. */
    static JsonNode header(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long length = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return JSON.readTree(new String(bytes, 8, (int) length, StandardCharsets.UTF_8));
    }

    /** Writes {@code tensors} as {@code file}. */
    static void write(Path file, Map<TensorInfo, MemorySegment> tensors) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        long offset = 0;
        for (TensorInfo info : tensors.keySet()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", info.dtype().name());
            entry.put("shape", info.shape().dims());
            entry.put("data_offsets", List.of(offset, offset + info.byteSize()));
            header.put(info.name(), entry);
            offset += info.byteSize();
        }
        byte[] head = JSON.writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate((int) (8 + head.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(head.length).put(head);
        for (MemorySegment data : tensors.values()) {
            out.put(data.toArray(ValueLayout.JAVA_BYTE));
        }
        Files.write(file, out.array());
    }

    @Override
    public ModelWriter create(Path destination, WriteOptions options) {
        Map<TensorInfo, MemorySegment> written = new LinkedHashMap<>();
        return new ModelWriter() {
            @Override
            public void write(TensorInfo info, MemorySegment data) {
                written.put(info, data);
            }

            @Override
            public void commit() {
                try {
                    Files.createDirectories(destination);
                    Map<TensorInfo, MemorySegment> ordered = new LinkedHashMap<>();
                    for (TensorInfo declared : options.tensors()) {
                        written.forEach((info, data) -> {
                            if (info.name().equals(declared.name())) {
                                ordered.put(info, data);
                            }
                        });
                    }
                    SafetensorsTestFormat.write(destination.resolve("model.safetensors"), ordered);
                    for (Path side : options.sideFiles()) {
                        Files.copy(side, destination.resolve(side.getFileName().toString()));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void close() {
            }
        };
    }
}
