package org.evomerge.plugins.gguf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.tensor.TensorInfo;

/**
 * Writes one GGUF file. The header is written when the writer is created (the layout is declared up front); each
 * tensor's rows are converted to the type the file stores, the q and k rows of "llama" models moved to llama.cpp's
 * order, and written straight to their place as they arrive, whole or in parts, so the writer holds no more than the
 * rows a part boundary cuts. Everything goes into a hidden file beside the destination
 * ({@code .NAME.partial-PID-UUID}), made durable and renamed into place by {@link #commit()}; closing without commit
 * deletes it. Safe for concurrent writes of different tensors.
 */
final class GgufWriter implements ModelWriter {

    /** Values decoded and encoded at a time (at least one row). */
    private static final int BATCH_VALUES = 1 << 16;

    private final Path destination;
    private final boolean allowOverwrite;
    private final Path staging;
    private final FileChannel channel;
    private final GgufFilePlan plan;
    private final ComputeBackend backend;
    private final Map<String, TensorTarget> targets = new HashMap<>();
    private volatile boolean committed;

    GgufWriter(Path destination, WriteOptions options, GgufOutType outType, ComputeBackend backend) {
        this.destination = destination.toAbsolutePath().normalize();
        this.allowOverwrite = options.allowOverwrite();
        this.backend = backend;
        if (Files.isDirectory(this.destination)) {
            throw EvomergeException.configuration(this.destination + ": is a folder; GGUF output is a single file"
                    + " (give a path such as model.gguf)");
        }
        if (Files.exists(this.destination) && !allowOverwrite) {
            throw EvomergeException.configuration(this.destination + ": already exists; choose another output file"
                    + " or allow overwriting it (--allow-overwrite)");
        }
        String fileName = this.destination.getFileName().toString();
        this.plan = GgufFilePlan.of(fileName, options, outType, sourceGguf(options));
        for (GgufFilePlan.Placed tensor : plan.tensors()) {
            if (tensor.declared() != null) {
                targets.put(tensor.declared().name(), new TensorTarget(tensor));
            }
        }
        for (String name : plan.skipped()) {
            TensorInfo info = options.tensors().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
            targets.put(name, new TensorTarget(info));
        }
        Path parent = this.destination.getParent();
        Path created = null;
        FileChannel opened = null;
        try {
            Files.createDirectories(parent);
            removeAbandonedStaging(parent, fileName);
            created = parent.resolve("." + fileName + ".partial-" + ProcessHandle.current().pid() + "-"
                    + UUID.randomUUID());
            opened = FileChannel.open(created, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            writeFully(opened, ByteBuffer.wrap(plan.headerBytes()), 0);
            for (GgufFilePlan.Placed tensor : plan.tensors()) {
                long start = plan.dataOffset() + tensor.offset();
                long padding = GgufFilePlan.pad(tensor.byteSize(), plan.alignment()) - tensor.byteSize();
                writeFully(opened, ByteBuffer.allocate((int) padding), start + tensor.byteSize());
                if (tensor.generated() != null) {
                    MemorySegment values = MemorySegment.ofArray(new byte[(int) tensor.byteSize()]);
                    GgmlEncoder.f32(tensor.generated(), 0, tensor.generated().length, values, 0);
                    writeFully(opened, values.asByteBuffer(), start);
                }
            }
        } catch (IOException e) {
            closeQuietly(opened, created);
            throw new UncheckedIOException("cannot create " + this.destination + ": " + e.getMessage(), e);
        }
        this.staging = created;
        this.channel = opened;
    }

    /** The GGUF file among the side files: the model was read from it, and its metadata is copied. */
    private static Optional<Path> sourceGguf(WriteOptions options) {
        return options.sideFiles().stream()
                .filter(f -> f.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf"))
                .filter(GgufFormat::isGguf)
                .findFirst();
    }

    /** The plan this writer follows (for tests). */
    GgufFilePlan plan() {
        return plan;
    }

    @Override
    public void write(TensorInfo info, MemorySegment data) {
        TensorTarget target = declared(info);
        if (data.byteSize() != info.byteSize()) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' needs " + info.byteSize() + " bytes, got "
                    + data.byteSize());
        }
        target.accept(0, data, true);
    }

    @Override
    public boolean writesInParts() {
        return true;
    }

    @Override
    public void writePart(TensorInfo info, long offset, MemorySegment part) {
        TensorTarget target = declared(info);
        if (offset < 0 || part.byteSize() > info.byteSize() - offset) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' has " + info.byteSize()
                    + " bytes; a part of " + part.byteSize() + " at " + offset + " does not fit");
        }
        target.accept(offset, part, false);
    }

    private TensorTarget declared(TensorInfo info) {
        TensorTarget target = targets.get(info.name());
        if (target == null) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' was not declared in the write options");
        }
        if (target.input.dtype() != info.dtype() || !target.input.shape().equals(info.shape())) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' was declared as " + target.input.dtype()
                    + " " + target.input.shape() + " but written as " + info.dtype() + " " + info.shape());
        }
        return target;
    }

    /**
     * Where one declared tensor goes: its rows, in the declared type, are converted to the stored type and written to
     * their row of the file; rows a part boundary cuts wait in a buffer for their other bytes.
     */
    private final class TensorTarget {
        private final TensorInfo input;
        private final GgufFilePlan.Placed placed;
        private final long inRowBytes;
        private final long outRowBytes;
        private final int rowElements;
        private final Map<Long, byte[]> partialRows = new HashMap<>();
        private final Map<Long, Long> partialFill = new HashMap<>();
        private long pending;
        private boolean started;

        TensorTarget(GgufFilePlan.Placed placed) {
            this.input = placed.declared();
            this.placed = placed;
            this.rowElements = Math.toIntExact(placed.rowElements());
            this.inRowBytes = input.dtype().byteSize(rowElements);
            this.outRowBytes = placed.type().dtype().orElseThrow().byteSize(rowElements);
            this.pending = input.byteSize();
        }

        /** A tensor the file leaves out: its bytes are taken and dropped. */
        TensorTarget(TensorInfo skipped) {
            this.input = skipped;
            this.placed = null;
            this.rowElements = 0;
            this.inRowBytes = 0;
            this.outRowBytes = 0;
            this.pending = skipped.byteSize();
        }

        synchronized void accept(long offset, MemorySegment bytes, boolean whole) {
            if (whole ? started : pending == 0) {
                throw new IllegalStateException("tensor '" + input.name() + "' was already written");
            }
            started = true;
            if (bytes.byteSize() > pending) {
                throw new IllegalStateException("tensor '" + input.name() + "' got more bytes than it has");
            }
            pending -= bytes.byteSize();
            if (placed == null || bytes.byteSize() == 0) {
                return;
            }
            long end = offset + bytes.byteSize();
            long firstRow = offset / inRowBytes;
            long firstWhole = (offset + inRowBytes - 1) / inRowBytes;
            long endWhole = end / inRowBytes;
            if (firstWhole > endWhole) {
                // Inside one row.
                collect(firstRow, offset - firstRow * inRowBytes, bytes);
                return;
            }
            if (offset % inRowBytes != 0) {
                collect(firstRow, offset - firstRow * inRowBytes, bytes.asSlice(0, firstWhole * inRowBytes - offset));
            }
            if (endWhole > firstWhole) {
                convert(firstWhole, bytes.asSlice(firstWhole * inRowBytes - offset, (endWhole - firstWhole) * inRowBytes));
            }
            if (end % inRowBytes != 0) {
                collect(endWhole, 0, bytes.asSlice(endWhole * inRowBytes - offset, end - endWhole * inRowBytes));
            }
        }

        /** Bytes of a row cut by a part boundary; the row is converted once all of its bytes are there. */
        private void collect(long row, long at, MemorySegment bytes) {
            byte[] buffer = partialRows.computeIfAbsent(row, r -> new byte[(int) inRowBytes]);
            MemorySegment.copy(bytes, 0, MemorySegment.ofArray(buffer), at, bytes.byteSize());
            long filled = partialFill.merge(row, bytes.byteSize(), Long::sum);
            if (filled == inRowBytes) {
                partialRows.remove(row);
                partialFill.remove(row);
                convert(row, MemorySegment.ofArray(buffer));
            }
        }

        /** Whole rows from {@code firstRow} on, in the declared type: converted and written. */
        private void convert(long firstRow, MemorySegment rows) {
            long count = rows.byteSize() / inRowBytes;
            boolean sameType = placed.type().dtype().orElseThrow() == input.dtype() && placed.addend() == 0;
            int batchRows = (int) Math.max(1, Math.min(count, BATCH_VALUES / rowElements));
            float[] values = sameType ? null : new float[batchRows * rowElements];
            MemorySegment out = sameType ? null : MemorySegment.ofArray(new byte[(int) (batchRows * outRowBytes)]);
            for (long done = 0; done < count; done += batchRows) {
                int n = (int) Math.min(batchRows, count - done);
                MemorySegment converted;
                if (sameType) {
                    converted = rows.asSlice(done * inRowBytes, n * inRowBytes);
                } else {
                    backend.codecs().toFloat(rows.asSlice(done * inRowBytes, n * inRowBytes), input.dtype(), values,
                            n * rowElements);
                    for (int i = 0; placed.addend() != 0 && i < n * rowElements; i++) {
                        values[i] += placed.addend();
                    }
                    encode(values, n, out);
                    converted = out.asSlice(0, n * outRowBytes);
                }
                place(firstRow + done, n, converted);
            }
        }

        private void encode(float[] values, int rows, MemorySegment out) {
            int count = rows * rowElements;
            switch (placed.type()) {
                case F32 -> GgmlEncoder.f32(values, 0, count, out, 0);
                case F16 -> GgmlEncoder.f16(values, 0, count, out, 0);
                case BF16 -> GgmlEncoder.bf16(values, 0, count, out, 0);
                case Q8_0 -> GgmlEncoder.q8_0(values, 0, count / GgmlEncoder.BLOCK, out, 0);
                case Q4_0 -> GgmlEncoder.q4_0(values, 0, count / GgmlEncoder.BLOCK, out, 0);
                default -> throw new IllegalStateException("evomerge does not write " + placed.type());
            }
        }

        /** Converted rows {@code firstRow ..}: to their rows in llama.cpp's order. */
        private void place(long firstRow, int rows, MemorySegment converted) {
            long base = plan.dataOffset() + placed.offset();
            try {
                if (placed.permutedHeads() == 0) {
                    writeFully(channel, converted.asByteBuffer(), base + firstRow * outRowBytes);
                    return;
                }
                for (int r = 0; r < rows; r++) {
                    long ggufRow = LlamaQkRowOrder.ggufRow(firstRow + r, placed.rows(), placed.permutedHeads());
                    writeFully(channel, converted.asSlice(r * outRowBytes, outRowBytes).asByteBuffer(),
                            base + ggufRow * outRowBytes);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + staging + ": " + e.getMessage(), e);
            }
        }

        synchronized boolean complete() {
            return pending == 0;
        }
    }

    @Override
    public void commit() {
        if (committed) {
            return;
        }
        for (TensorTarget target : targets.values()) {
            if (!target.complete()) {
                throw new IllegalStateException("declared tensor '" + target.input.name() + "' was not written");
            }
        }
        try {
            channel.force(true);
            channel.close();
            if (allowOverwrite) {
                moveReplacing();
            } else {
                try {
                    Files.move(staging, destination, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(staging, destination);
                }
            }
            syncFolder(destination.getParent());
            committed = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish " + destination + ": " + e.getMessage(), e);
        }
    }

    private void moveReplacing() throws IOException {
        try {
            Files.move(staging, destination, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(staging, destination, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public void close() {
        if (!committed) {
            closeQuietly(channel, staging);
        }
    }

    private static void closeQuietly(FileChannel channel, Path file) {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // discarding anyway
        }
        try {
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException ignored) {
            // a hidden .partial file never looks like a model
        }
    }

    /**
     * Deletes staging files for the same destination left by writers that were killed (their process is gone), so an
     * interrupted merge run again does not leave copies behind. Files of live writers are left alone.
     */
    private static void removeAbandonedStaging(Path parent, String name) {
        String prefix = "." + name + ".partial-";
        try (Stream<Path> entries = Files.list(parent)) {
            for (Path candidate : entries.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                String rest = candidate.getFileName().toString().substring(prefix.length());
                int dash = rest.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    Files.deleteIfExists(candidate);
                }
            }
        } catch (IOException ignored) {
            // best effort: a leftover hidden file never looks like a model
        }
    }

    private static void syncFolder(Path folder) {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException ignored) {
            // Some file systems cannot sync a directory; the rename itself is atomic.
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }
}
