package org.evomerge.engine.evolution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.InMemoryTensors;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;

/**
 * A readable and writable model format for engine tests (the safetensors plugin is not on the engine's class path):
 * a folder with {@code toy-model.json} (config and tensor table) and {@code tensors.bin} (the bytes, in table
 * order), plus side files such as {@code tokenizer.json}. Writing publishes the folder with one rename.
 */
final class ToyFormat implements ModelFormatFactory {

    static final String ID = "toy";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public ExtensionDescriptor descriptor() {
        return new ExtensionDescriptor(ID, "1.0.0", ExtensionKind.MODEL_FORMAT, "test folders", ParameterSchema.of(),
                Set.of(Capability.WRITABLE));
    }

    @Override
    public ModelFormat create(Parameters parameters, RunContext context) {
        return new ModelFormat() {
            @Override
            public boolean recognizes(Path path) {
                return Files.isRegularFile(path.resolve("toy-model.json"));
            }

            @Override
            public Model open(Path path) {
                return ToyFormat.open(path);
            }

            @Override
            public ModelWriter create(Path destination, WriteOptions options) {
                return writer(destination, options);
            }
        };
    }

    static Model open(Path folder) {
        try {
            JsonNode header = JSON.readTree(folder.resolve("toy-model.json").toFile());
            @SuppressWarnings("unchecked")
            Map<String, Object> raw = JSON.convertValue(header.get("config"), LinkedHashMap.class);
            List<TensorInfo> infos = new ArrayList<>();
            for (JsonNode t : header.get("tensors")) {
                long[] dims = new long[t.get("shape").size()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = t.get("shape").get(i).asLong();
                }
                infos.add(new TensorInfo(t.get("name").asText(), DType.valueOf(t.get("dtype").asText()), Shape.of(dims),
                        "tensors.bin"));
            }
            Arena arena = Arena.ofShared();
            MemorySegment all;
            try (FileChannel ch = FileChannel.open(folder.resolve("tensors.bin"), StandardOpenOption.READ)) {
                all = ch.size() == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            }
            List<InMemoryTensor> tensors = new ArrayList<>();
            long offset = 0;
            for (TensorInfo t : infos) {
                tensors.add(new InMemoryTensor(t, all.asSlice(offset, t.byteSize())));
                offset += t.byteSize();
            }
            List<Path> side;
            try (Stream<Path> files = Files.list(folder)) {
                side = files.filter(p -> !Set.of("toy-model.json", "tensors.bin").contains(p.getFileName().toString()))
                        .map(Path::toAbsolutePath).sorted().toList();
            }
            ModelConfig config = ModelConfig.of(raw);
            return new InMemoryModel(ID, Optional.of(folder), config, InMemoryTensors.of(tensors), side, arena::close);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModelWriter writer(Path destination, WriteOptions options) {
        Map<String, byte[]> written = new ConcurrentHashMap<>();
        return new ModelWriter() {
            private boolean committed;

            @Override
            public void write(TensorInfo info, MemorySegment data) {
                written.put(info.name(), data.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }

            @Override
            public void commit() {
                try {
                    if (Files.exists(destination) && !options.allowOverwrite()) {
                        throw new IllegalStateException(destination + " exists");
                    }
                    Path tmp = destination.resolveSibling("." + destination.getFileName() + ".writing");
                    Files.createDirectories(tmp);
                    List<Map<String, Object>> table = new ArrayList<>();
                    try (var out = Files.newOutputStream(tmp.resolve("tensors.bin"))) {
                        for (TensorInfo t : options.tensors()) {
                            byte[] bytes = written.get(t.name());
                            if (bytes == null) {
                                throw new IllegalStateException("tensor '" + t.name() + "' not written");
                            }
                            out.write(bytes);
                            Map<String, Object> row = new LinkedHashMap<>();
                            row.put("name", t.name());
                            row.put("dtype", t.dtype().name());
                            row.put("shape", t.shape().dims());
                            table.add(row);
                        }
                    }
                    Map<String, Object> header = new LinkedHashMap<>();
                    header.put("config", options.config().raw());
                    header.put("tensors", table);
                    header.put("metadata", options.metadata());
                    JSON.writeValue(tmp.resolve("toy-model.json").toFile(), header);
                    for (Path side : options.sideFiles()) {
                        Files.copy(side, tmp.resolve(side.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                    }
                    if (Files.exists(destination)) {
                        deleteTree(destination);
                    }
                    Files.move(tmp, destination, StandardCopyOption.ATOMIC_MOVE);
                    committed = true;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void close() {
                if (!committed) {
                    written.clear();
                }
            }
        };
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Writes a toy model: {@code values} by tensor name (float32), a Llama-like config with {@code layers}. */
    static Path write(Path folder, int layers, Map<String, float[]> values, Map<String, long[]> shapes) {
        try (Arena arena = Arena.ofConfined()) {
            List<TensorInfo> infos = new ArrayList<>();
            values.forEach((name, v) -> infos.add(new TensorInfo(name, DType.F32, Shape.of(shapes.get(name)), "")));
            Map<String, Object> raw = new LinkedHashMap<>();
            raw.put("architectures", List.of("LlamaForCausalLM"));
            raw.put("model_type", "llama");
            raw.put("num_hidden_layers", layers);
            raw.put("torch_dtype", "float32");
            ModelConfig config = ModelConfig.of(raw);
            Path tokenizer = Files.createTempFile("tokenizer", ".json");
            Files.writeString(tokenizer, "{\"version\":\"1.0\",\"model\":{\"type\":\"WordLevel\"}}");
            Path named = Files.createDirectories(Files.createTempDirectory("tok")).resolve("tokenizer.json");
            Files.move(tokenizer, named);
            ModelWriter w = writer(folder, new WriteOptions(infos, config, WriteOptions.DEFAULT_SHARD_BYTES, false,
                    Map.of(), List.of(named)));
            for (TensorInfo t : infos) {
                float[] v = values.get(t.name());
                MemorySegment s = arena.allocate((long) v.length * 4);
                MemorySegment.copy(v, 0, s, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0, v.length);
                w.write(t, s);
            }
            w.commit();
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
