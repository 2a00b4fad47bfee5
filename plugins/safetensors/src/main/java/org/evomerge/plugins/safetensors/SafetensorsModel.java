package org.evomerge.plugins.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.api.tensor.TensorSource;

/**
 * A Hugging Face model: a folder with {@code model.safetensors}, or with {@code model.safetensors.index.json} and
 * its shards (or several {@code .safetensors} files without an index), or a single {@code .safetensors} file. Every
 * shard is mapped when the model opens, so header errors surface at once; tensor data is read only when used.
 */
final class SafetensorsModel implements Model {

    private static final Pattern LAYER = Pattern.compile("\\.(?:layers|h|layer|blocks)\\.(\\d+)\\.");

    private record Located(SafetensorsFile file, SafetensorsHeader.Entry entry, TensorInfo info) {
    }

    private final Path location;
    private final Arena arena;
    private final Map<String, Located> tensors;
    private final ModelConfig config;
    private final List<Path> sideFiles;

    private SafetensorsModel(Path location, Arena arena, Map<String, Located> tensors, ModelConfig config,
                             List<Path> sideFiles) {
        this.location = location;
        this.arena = arena;
        this.tensors = tensors;
        this.config = config;
        this.sideFiles = sideFiles;
    }

    static SafetensorsModel open(Path path) {
        Path location = path.toAbsolutePath().normalize();
        if (!Files.exists(location)) {
            throw EvomergeException.input(location + ": no such file or folder", null);
        }
        Path folder = Files.isDirectory(location) ? location : location.getParent();
        List<Path> shardFiles;
        ShardIndex index = null;
        if (Files.isRegularFile(location)) {
            if (HuggingFaceFolder.isPickle(location)) {
                throw HuggingFaceFolder.pickleRefusal(location, location);
            }
            shardFiles = List.of(location);
        } else if (Files.isRegularFile(location.resolve(ShardIndex.FILE_NAME))) {
            index = ShardIndex.read(location.resolve(ShardIndex.FILE_NAME));
            shardFiles = index.weightMap().values().stream().distinct().sorted().map(location::resolve).toList();
        } else if (Files.isRegularFile(location.resolve("model.safetensors"))) {
            shardFiles = List.of(location.resolve("model.safetensors"));
        } else {
            shardFiles = safetensorsIn(location);
            if (shardFiles.isEmpty()) {
                List<Path> pickles = HuggingFaceFolder.pickles(location);
                if (!pickles.isEmpty()) {
                    throw HuggingFaceFolder.pickleRefusal(location, pickles.getFirst());
                }
                throw EvomergeException.input(location + ": no safetensors weights (model.safetensors, "
                        + ShardIndex.FILE_NAME + " or *.safetensors) in this folder", null);
            }
        }

        Arena arena = Arena.ofShared();
        List<SafetensorsFile> openedFiles = new ArrayList<>();
        try {
            Map<String, Located> tensors = new LinkedHashMap<>();
            for (Path shard : shardFiles) {
                SafetensorsFile file = SafetensorsFile.open(shard, arena);
                openedFiles.add(file);
                String fileName = folder.relativize(shard.toAbsolutePath().normalize()).toString();
                List<SafetensorsHeader.Entry> entries = new ArrayList<>(file.header().entries());
                entries.sort(java.util.Comparator.comparingLong(SafetensorsHeader.Entry::begin));
                for (SafetensorsHeader.Entry entry : entries) {
                    if (index != null && !fileName.equals(index.weightMap().get(entry.name()))) {
                        continue; // the index names another shard (or none) for it: the index decides
                    }
                    Located previous = tensors.put(entry.name(), new Located(file, entry,
                            new TensorInfo(entry.name(), entry.dtype(), entry.shape(), fileName)));
                    if (previous != null) {
                        throw EvomergeException.input(shard + ": tensor '" + entry.name() + "' is also in "
                                + previous.file().path().getFileName(), null);
                    }
                }
            }
            if (index != null) {
                for (Map.Entry<String, String> mapped : index.weightMap().entrySet()) {
                    if (!tensors.containsKey(mapped.getKey())) {
                        throw EvomergeException.input(location.resolve(ShardIndex.FILE_NAME) + ": tensor '"
                                + mapped.getKey() + "' is not in its shard " + mapped.getValue(), null);
                    }
                }
            }
            ModelConfig config = HuggingFaceFolder.config(folder, layersFromNames(tensors.keySet()),
                    tensors.containsKey("lm_head.weight"));
            return new SafetensorsModel(location, arena, tensors, config, HuggingFaceFolder.sideFiles(folder));
        } catch (RuntimeException e) {
            arena.close();
            openedFiles.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static List<Path> safetensorsIn(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".safetensors") && Files.isRegularFile(f))
                    .sorted().toList();
        } catch (IOException e) {
            throw EvomergeException.input(folder + ": cannot list: " + e.getMessage(), e);
        }
    }

    /** Layer count from names like {@code model.layers.31.mlp...}, for models without a config. */
    private static int layersFromNames(Iterable<String> names) {
        int max = -1;
        for (String name : names) {
            Matcher m = LAYER.matcher(name);
            if (m.find()) {
                try {
                    max = Math.max(max, Integer.parseInt(m.group(1)));
                } catch (NumberFormatException ignored) {
                    // absurd index: not a layer number
                }
            }
        }
        return max + 1;
    }

    @Override
    public String formatId() {
        return SafetensorsFormatFactory.ID;
    }

    @Override
    public Optional<Path> location() {
        return Optional.of(location);
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public TensorSource tensors() {
        return source;
    }

    /** The tensors as a source; closing it closes the model. */
    private final TensorSource source = new TensorSource() {
        @Override
        public List<TensorInfo> tensors() {
            return tensors.values().stream().map(Located::info).toList();
        }

        @Override
        public Optional<TensorInfo> find(String name) {
            return Optional.ofNullable(tensors.get(name)).map(Located::info);
        }

        @Override
        public Tensor tensor(String name) {
            return SafetensorsModel.this.tensor(name);
        }

        @Override
        public void close() {
            SafetensorsModel.this.close();
        }
    };

    private Tensor tensor(String name) {
        Located located = tensors.get(name);
        if (located == null) {
            throw new NoSuchElementException(location + ": no tensor '" + name + "'");
        }
        MemorySegment data = located.file().data(located.entry());
        TensorInfo info = located.info();
        return new Tensor() {
            @Override
            public TensorInfo info() {
                return info;
            }

            @Override
            public MemorySegment data() {
                return data;
            }

            @Override
            public void read(long offset, MemorySegment destination) {
                located.file().read(located.entry(), offset, destination);
            }
        };
    }

    @Override
    public List<Path> sideFiles() {
        return sideFiles;
    }

    /** The {@code __metadata__} of every shard, by shard file name. */
    Map<String, Map<String, String>> fileMetadata() {
        Map<String, Map<String, String>> result = new TreeMap<>();
        tensors.values().forEach(l -> result.putIfAbsent(l.info().file(), l.file().header().metadata()));
        return result;
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            tensors.values().stream().map(Located::file).distinct().forEach(SafetensorsFile::close);
            arena.close();
        }
    }
}
