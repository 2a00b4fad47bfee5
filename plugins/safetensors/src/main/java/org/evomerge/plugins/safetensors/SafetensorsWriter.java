package org.evomerge.plugins.safetensors;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.tensor.TensorInfo;

/**
 * Writes a Hugging Face model folder. Everything goes into a hidden staging folder beside the destination
 * ({@code .NAME.partial-UUID}); shard headers are written first (the layout is known up front), tensor data is
 * written straight to its final offset as it arrives, each shard is synced to disk when its last tensor lands, and
 * {@link #commit()} renames the staging folder to the destination. A crash or kill therefore never leaves a folder
 * that looks like a finished model, and {@link #close()} without commit removes the partial output.
 */
final class SafetensorsWriter implements ModelWriter {

    private static final long CHUNK = 1L << 30;
    private static final ObjectMapper CONFIG_JSON = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final Path destination;
    private final Path staging;
    private final WriteOptions options;
    private final ShardPlan plan;
    private final Map<String, ShardPlan.Shard> shardOf;
    private final Map<String, ShardPlan.Placed> placed = new HashMap<>();
    private final Map<ShardPlan.Shard, FileChannel> channels = new ConcurrentHashMap<>();
    private final Map<ShardPlan.Shard, AtomicInteger> remaining = new ConcurrentHashMap<>();
    private final Set<String> written = ConcurrentHashMap.newKeySet();
    /** Bytes still to come of the tensors being written in parts. */
    private final Map<String, AtomicLong> partsPending = new ConcurrentHashMap<>();
    private volatile boolean committed;

    SafetensorsWriter(Path destination, WriteOptions options) {
        this.destination = destination.toAbsolutePath().normalize();
        this.options = options;
        if (Files.exists(this.destination) && !options.allowOverwrite() && !isEmptyFolder(this.destination)) {
            throw EvomergeException.configuration(this.destination + ": already exists; choose another output folder"
                    + " or allow overwriting it (--allow-overwrite)");
        }
        Map<String, String> metadata = new HashMap<>(options.metadata());
        metadata.put("format", "pt");
        this.plan = ShardPlan.of(options.tensors(), options.maxShardBytes(), metadata);
        this.shardOf = plan.shardOf();
        plan.shards().forEach(s -> s.tensors().forEach(p -> placed.put(p.info().name(), p)));
        Path parent = this.destination.getParent();
        try {
            Files.createDirectories(parent);
            removeAbandonedStaging(parent, this.destination.getFileName().toString());
            this.staging = Files.createDirectory(parent.resolve("." + this.destination.getFileName()
                    + ".partial-" + UUID.randomUUID()));
            Files.writeString(staging.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
            for (ShardPlan.Shard shard : plan.shards()) {
                FileChannel channel = FileChannel.open(staging.resolve(shard.fileName()),
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
                channels.put(shard, channel);
                writeFully(channel, ByteBuffer.wrap(shard.header()), 0);
                remaining.put(shard, new AtomicInteger(shard.tensors().size()));
                if (shard.tensors().isEmpty()) {
                    finish(shard);
                }
            }
        } catch (IOException e) {
            closeQuietly();
            throw new UncheckedIOException("cannot create " + this.destination + ": " + e.getMessage(), e);
        }
    }

    /** Names the process writing a staging folder, so a later writer can tell abandoned ones from live ones. */
    static final String OWNER_FILE = ".evomerge-writer.pid";

    /**
     * Deletes staging folders for the same destination left by writers that were killed (their process is gone), so
     * re-running an interrupted merge does not accumulate partial copies. Folders of live writers are left alone.
     */
    private static void removeAbandonedStaging(Path parent, String name) {
        String prefix = "." + name + ".partial-";
        try (Stream<Path> entries = Files.list(parent)) {
            for (Path candidate : entries.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                Path owner = candidate.resolve(OWNER_FILE);
                long pid;
                try {
                    pid = Long.parseLong(Files.readString(owner).strip());
                } catch (IOException | NumberFormatException e) {
                    continue; // not ours to judge
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                deleteTree(candidate);
            }
        } catch (IOException ignored) {
            // best effort: a leftover hidden folder never looks like a model
        }
    }

    private static boolean isEmptyFolder(Path path) {
        if (!Files.isDirectory(path)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(path)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void write(TensorInfo info, MemorySegment data) {
        ShardPlan.Placed target = declared(info);
        if (data.byteSize() != target.info().byteSize()) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' needs " + target.info().byteSize()
                    + " bytes, got " + data.byteSize());
        }
        if (partsPending.containsKey(info.name()) || !written.add(info.name())) {
            throw new IllegalStateException("tensor '" + info.name() + "' was already written");
        }
        place(target, 0, data);
        tensorDone(info.name());
    }

    @Override
    public boolean writesInParts() {
        return true;
    }

    @Override
    public void writePart(TensorInfo info, long offset, MemorySegment part) {
        ShardPlan.Placed target = declared(info);
        long size = target.info().byteSize();
        if (offset < 0 || part.byteSize() > size - offset) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' has " + size + " bytes; a part of "
                    + part.byteSize() + " at " + offset + " does not fit");
        }
        if (written.contains(info.name())) {
            throw new IllegalStateException("tensor '" + info.name() + "' was already written");
        }
        AtomicLong pending = partsPending.computeIfAbsent(info.name(), name -> new AtomicLong(size));
        place(target, offset, part);
        long left = pending.addAndGet(-part.byteSize());
        if (left < 0) {
            throw new IllegalStateException("tensor '" + info.name() + "' got more bytes than it has");
        }
        if (left == 0) {
            partsPending.remove(info.name());
            written.add(info.name());
            tensorDone(info.name());
        }
    }

    /** The declaration of {@code info}, checked against it. */
    private ShardPlan.Placed declared(TensorInfo info) {
        ShardPlan.Placed target = placed.get(info.name());
        if (target == null) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' was not declared in the write options");
        }
        TensorInfo declared = target.info();
        if (declared.dtype() != info.dtype() || !declared.shape().equals(info.shape())) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' was declared as " + declared.dtype() + " "
                    + declared.shape() + " but written as " + info.dtype() + " " + info.shape());
        }
        return target;
    }

    /** Writes {@code data} at byte {@code offset} of the tensor's place in its shard. */
    private void place(ShardPlan.Placed target, long offset, MemorySegment data) {
        ShardPlan.Shard shard = shardOf.get(target.info().name());
        try {
            FileChannel channel = channels.get(shard);
            for (long done = 0; done < data.byteSize(); done += CHUNK) {
                long length = Math.min(CHUNK, data.byteSize() - done);
                writeFully(channel, data.asSlice(done, length).asByteBuffer(), target.fileOffset() + offset + done);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + staging.resolve(shard.fileName()) + ": " + e.getMessage(), e);
        }
    }

    /** A tensor's last byte has landed: when it was its shard's last tensor, the shard is finished. */
    private void tensorDone(String name) {
        ShardPlan.Shard shard = shardOf.get(name);
        if (remaining.get(shard).decrementAndGet() == 0) {
            try {
                finish(shard);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + staging.resolve(shard.fileName()) + ": "
                        + e.getMessage(), e);
            }
        }
    }

    /** A shard is complete: make it durable and release its file handle now, not at commit. */
    private void finish(ShardPlan.Shard shard) throws IOException {
        FileChannel channel = channels.remove(shard);
        if (channel != null) {
            channel.force(true);
            channel.close();
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }

    @Override
    public void commit() {
        if (committed) {
            return;
        }
        if (written.size() != placed.size()) {
            String missing = placed.keySet().stream().filter(n -> !written.contains(n)).sorted().findFirst().orElse("?");
            throw new IllegalStateException((placed.size() - written.size()) + " declared tensors were not written, e.g. '"
                    + missing + "'");
        }
        try {
            if (plan.shards().size() > 1) {
                writeDurably(staging.resolve(ShardIndex.FILE_NAME), plan.indexJson());
            }
            if (!options.config().raw().isEmpty()) {
                writeDurably(staging.resolve("config.json"), configJson(options.config().raw()));
            }
            Files.deleteIfExists(staging.resolve(OWNER_FILE));
            for (Path side : options.sideFiles()) {
                Path target = staging.resolve(side.getFileName().toString());
                if (!Files.exists(target)) {
                    Files.copy(side, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            publish();
            committed = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish " + destination + ": " + e.getMessage(), e);
        }
    }

    static String configJson(Map<String, Object> raw) {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"))
                .withObjectIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"));
        try {
            return CONFIG_JSON.writer(printer).writeValueAsString(raw) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeDurably(Path file, String text) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(channel, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
        }
    }

    /** Moves the staging folder into place; an existing destination (overwrite allowed) is moved aside first. */
    private void publish() throws IOException {
        Path parent = destination.getParent();
        Path previous = null;
        if (Files.exists(destination)) {
            previous = parent.resolve("." + destination.getFileName() + ".replaced-" + UUID.randomUUID());
            Files.move(destination, previous, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(staging, destination, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(staging, destination);
        } catch (IOException e) {
            if (previous != null) {
                Files.move(previous, destination, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        syncFolder(parent);
        if (previous != null) {
            deleteTree(previous);
        }
    }

    private static void syncFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException ignored) {
            // Some file systems cannot sync a directory; the rename itself is still atomic.
        }
    }

    @Override
    public void close() {
        if (!committed) {
            closeQuietly();
        }
    }

    private void closeQuietly() {
        for (FileChannel channel : channels.values()) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // discarding anyway
            }
        }
        channels.clear();
        if (staging != null) {
            try {
                deleteTree(staging);
            } catch (IOException ignored) {
                // a leftover hidden .partial folder never looks like a model
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
