package org.evomerge.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.InMemoryTensors;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.pf4j.Extension;

/**
 * A tiny read-only checkpoint format, just real enough for the model-format contract: a folder holding {@code toy.bin}
 * (little-endian): {@code "TOY1"}, an int32 tensor count, per tensor an int32 name length, the UTF-8 name, an int32
 * rank and rank int64 dimensions, then the float32 data of every tensor in header order and nothing else.
 */
class ToyFormat implements ModelFormat {

    static final String FILE = "toy.bin";
    private static final byte[] MAGIC = "TOY1".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_RANK = 8;
    private static final int MAX_NAME_BYTES = 1024;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Extension
    public static final class Factory implements ModelFormatFactory {

        static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("toy", "1.0.0",
                ExtensionKind.MODEL_FORMAT, "A folder with one toy.bin (test format).", ParameterSchema.EMPTY,
                Set.of());

        @Override
        public ExtensionDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public ModelFormat create(Parameters parameters, RunContext context) {
            return new ToyFormat();
        }
    }

    /** The model-format contract on toy samples; the passing test and the broken fixtures differ only in factory. */
    abstract static class Contract extends ModelFormatContract {

        @Override
        protected Path writeSample(Path folder) throws IOException {
            return ToyFormat.writeSample(folder);
        }

        @Override
        protected Path writeCorrupt(Path folder) throws IOException {
            return ToyFormat.writeTruncated(folder);
        }
    }

    /** One tensor to write into a sample. */
    record Entry(String name, long[] dims, float[] values) {
    }

    /** Writes a valid toy model into {@code folder}. */
    static Path write(Path folder, List<Entry> entries) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        header.put(MAGIC).putInt(entries.size());
        for (Entry e : entries) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            header.putInt(name.length).put(name).putInt(e.dims().length);
            Arrays.stream(e.dims()).forEach(header::putLong);
        }
        for (Entry e : entries) {
            for (float v : e.values()) {
                header.putFloat(v);
            }
        }
        Files.write(folder.resolve(FILE), Arrays.copyOf(header.array(), header.position()));
        return folder;
    }

    /** A two-tensor sample. */
    static Path writeSample(Path folder) throws IOException {
        return write(folder, List.of(
                new Entry("model.embed_tokens.weight", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}),
                new Entry("model.norm.weight", new long[] {3}, new float[] {0.5f, 1, 1.5f})));
    }

    /** A header that announces a tensor whose name runs past the end of the file. */
    static Path writeTruncated(Path folder) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(14).order(ByteOrder.LITTLE_ENDIAN);
        bytes.put(MAGIC).putInt(1).putInt(5).put((byte) 'w').put((byte) 'e');
        Files.write(folder.resolve(FILE), bytes.array());
        return folder;
    }

    @Override
    public boolean recognizes(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(FILE) : path;
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(MAGIC.length), MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Model open(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(FILE) : path;
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            AtomicBoolean closed = new AtomicBoolean();
            return new InMemoryModel("toy", Optional.of(path), CorrectExtensions.TOY_CONFIG,
                    new InMemoryTensors(parse(file, mapped)), List.of(), () -> {
                        if (closed.compareAndSet(false, true)) {
                            arena.close();
                        }
                    });
        } catch (IOException e) {
            arena.close();
            throw EvomergeException.input(file + ": cannot read (" + e.getMessage() + ")", e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Whether reads are checked against the file's end; only a fixture turns this off. */
    protected boolean checksBounds() {
        return true;
    }

    /** The type tensors are declared with; only a fixture lies here. */
    protected DType declaredType() {
        return DType.F32;
    }

    private Map<String, Tensor> parse(Path file, MemorySegment bytes) {
        Reader in = new Reader(file, bytes);
        if (bytes.byteSize() < MAGIC.length || !Arrays.equals(in.bytes(MAGIC.length), MAGIC)) {
            throw in.corrupt("does not start with TOY1");
        }
        int count = in.count(Integer.MAX_VALUE, "tensor count");
        List<TensorInfo> infos = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            String name = new String(in.bytes(in.count(MAX_NAME_BYTES, "name length")), StandardCharsets.UTF_8);
            long[] dims = new long[in.count(MAX_RANK, "rank")];
            for (int d = 0; d < dims.length; d++) {
                dims[d] = in.int64();
                if (dims[d] < 0) {
                    throw in.corrupt(name + " has a negative dimension");
                }
            }
            try {
                infos.add(new TensorInfo(name, declaredType(), Shape.of(dims), FILE));
            } catch (ArithmeticException e) {
                throw in.corrupt(name + " has more elements than a long holds");
            }
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        long offset = in.position;
        for (TensorInfo info : infos) {
            long size;
            try {
                size = Math.multiplyExact(info.shape().elementCount(), (long) Float.BYTES);
            } catch (ArithmeticException e) {
                throw in.corrupt(info.name() + " is too large");
            }
            if (size > bytes.byteSize() - offset) {
                throw in.corrupt(info.name() + " runs past the end of the file");
            }
            MemorySegment data = bytes.asSlice(offset, size).asReadOnly();
            // Not an InMemoryTensor, which checks its size: a fixture mislabels the dtype, and the contract is what
            // must notice.
            tensors.put(info.name(), new Tensor() {
                @Override
                public TensorInfo info() {
                    return info;
                }

                @Override
                public MemorySegment data() {
                    return data;
                }
            });
            offset += size;
        }
        if (offset != bytes.byteSize()) {
            throw in.corrupt((bytes.byteSize() - offset) + " bytes after the last tensor");
        }
        return tensors;
    }

    /** Sequential little-endian reads that fail as INPUT errors instead of reading past the end. */
    private final class Reader {
        private final Path file;
        private final MemorySegment bytes;
        long position;

        Reader(Path file, MemorySegment bytes) {
            this.file = file;
            this.bytes = bytes;
        }

        private void need(long n) {
            if (checksBounds() && n > bytes.byteSize() - position) {
                throw corrupt("truncated at byte " + position);
            }
        }

        byte[] bytes(int n) {
            need(n);
            byte[] out = new byte[n];
            MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, position, out, 0, n);
            position += n;
            return out;
        }

        int count(int max, String what) {
            need(Integer.BYTES);
            int value = bytes.get(INT, position);
            position += Integer.BYTES;
            if (value < 0 || value > max) {
                throw corrupt(what + " " + value + " is not in [0, " + max + "]");
            }
            return value;
        }

        long int64() {
            need(Long.BYTES);
            long value = bytes.get(LONG, position);
            position += Long.BYTES;
            return value;
        }

        EvomergeException corrupt(String problem) {
            return EvomergeException.input(file + ": not a valid toy model: " + problem, null);
        }
    }
}
