package org.evomerge.engine.evolution.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.engine.context.FolderTree;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.tensor.TensorReader;

/**
 * The run's whole-weight individuals as model folders under {@code RUN_DIR/population/}, each named by the first 16
 * hex digits of its content hash: SHA-256 over every tensor's name, dtype, shape and bytes, in the model's tensor
 * order. Individuals are written with the given format's writer (which publishes atomically) under a temporary name
 * and then renamed to their hash, so identical individuals share one folder and a crash leaves no half-written
 * individual under a hash name. Reading goes through the installed formats (memory-mapped for safetensors).
 *
 * <p>Thread-safe: concurrent writes use distinct temporary names; two writes of the same content race only for
 * the final rename, and the loser's copy is deleted.
 */
public final class FolderModelStore implements ModelStore {

    private static final String INCOMING = ".incoming-";

    private final Path folder;
    private final ModelFormats formats;
    private final ModelFormat writeFormat;
    private final ComputeBackend compute;
    private final TensorReader reader;

    /**
     * @param folder      the population folder (created if missing; unfinished writes of killed runs are removed)
     * @param formats     the installed formats, to open individuals
     * @param writeFormat the format individuals are written in
     * @param compute     decodes and encodes tensors for {@link #combine}
     */
    public FolderModelStore(Path folder, ModelFormats formats, ModelFormat writeFormat, ComputeBackend compute) {
        this.folder = folder;
        this.formats = formats;
        this.writeFormat = writeFormat;
        this.compute = compute;
        this.reader = new TensorReader(compute.codecs());
        try {
            Files.createDirectories(folder);
            try (Stream<Path> entries = Files.list(folder)) {
                for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(INCOMING)).toList()) {
                    FolderTree.delete(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the model store " + folder, e);
        }
    }

    @Override
    public Model open(ModelGenome genome) {
        return formats.open(genome.folder());
    }

    @Override
    public ModelGenome combine(List<ModelGenome> parents, TensorCombiner combiner, String label) {
        if (parents.isEmpty()) {
            throw new IllegalArgumentException("combine needs at least one parent");
        }
        List<Model> opened = new ArrayList<>();
        try {
            for (ModelGenome p : parents) {
                opened.add(open(p));
            }
            Model first = opened.getFirst();
            return store(first, label, (info, arena) -> {
                int n = Math.toIntExact(info.shape().elementCount());
                List<float[]> values = new ArrayList<>();
                for (Model m : opened) {
                    TensorInfo own = m.tensors().find(info.name()).orElseThrow(() -> EvomergeException.input(
                            "model store: parent " + m.location().orElse(Path.of("?")) + " has no tensor '"
                                    + info.name() + "'", null));
                    if (!own.shape().equals(info.shape())) {
                        throw EvomergeException.input("model store: tensor '" + info.name() + "' has shape "
                                + own.shape() + " in one parent and " + info.shape() + " in another", null);
                    }
                    float[] v = new float[n];
                    reader.readWhole(m.tensors().tensor(info.name()), own.dtype(), v);
                    values.add(v);
                }
                float[] out = combiner.apply(info.name(), info.shape(), values);
                if (out.length != n) {
                    throw new IllegalStateException("combiner returned " + out.length + " values for '" + info.name()
                            + "', " + n + " expected");
                }
                MemorySegment encoded = arena.allocate(info.byteSize());
                compute.codecs().fromFloat(out, info.dtype(), encoded, n);
                return encoded;
            });
        } finally {
            opened.forEach(Model::close);
        }
    }

    @Override
    public ModelGenome write(Model model, String label) {
        return store(model, label, (info, arena) -> model.tensors().tensor(info.name()).data());
    }

    @Override
    public ModelGenome adopt(Path source, String label) {
        try (Model model = formats.open(source)) {
            return write(model, label);
        }
    }

    private interface TensorProducer {
        MemorySegment produce(TensorInfo info, Arena arena);
    }

    private ModelGenome store(Model template, String label, TensorProducer producer) {
        List<TensorInfo> layout = template.tensors().tensors().stream()
                .map(t -> new TensorInfo(t.name(), t.dtype(), t.shape(), "")).toList();
        Path incoming = folder.resolve(INCOMING + UUID.randomUUID());
        MessageDigest digest = sha256();
        WriteOptions options = new WriteOptions(layout, template.config(), WriteOptions.DEFAULT_SHARD_BYTES, false,
                Map.of("evomerge.model_store.label", label), template.sideFiles());
        try (ModelWriter writer = writeFormat.create(incoming, options)) {
            for (TensorInfo info : layout) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment data = producer.produce(info, arena);
                    digest.update((info.name() + "\0" + info.dtype() + "\0" + info.shape() + "\0").getBytes(
                            java.nio.charset.StandardCharsets.UTF_8));
                    digest.update(data.asByteBuffer());
                    writer.write(info, data);
                }
            }
            writer.commit();
        }
        String hash = HexFormat.of().formatHex(digest.digest());
        Path target = folder.resolve(hash.substring(0, 16));
        try {
            if (Files.exists(target)) {
                FolderTree.delete(incoming);
            } else {
                try {
                    Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                    FolderTree.delete(incoming);
                } catch (IOException e) {
                    if (!Files.exists(target)) {
                        throw e;
                    }
                    FolderTree.delete(incoming); // another writer published the same content first
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish individual " + target, e);
        }
        return new ModelGenome(target, hash);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
