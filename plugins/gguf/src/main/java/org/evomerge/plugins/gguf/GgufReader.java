package org.evomerge.plugins.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.tensor.DType;

/**
 * Parses and checks the header of a GGUF file (versions 2 and 3, little-endian) from its mapped bytes.
 *
 * <p>The file may be hostile. Every read is checked against the bytes that are left before it happens, every count is
 * bounded by what those bytes could hold before anything is allocated for it, and the text the reader keeps (keys,
 * names, string values) has a total budget, so a crafted header costs at most a bounded amount of heap and time
 * proportional to its size. Every problem is an {@link EvomergeException} of category INPUT whose one-line message
 * starts with the file's path. Not thread-safe: one reader per parse.
 */
final class GgufReader {

    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x4655_4747;
    static final long DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";

    /** ggml tensors have at most four dimensions. */
    static final int MAX_DIMS = 4;
    /** Arrays of arrays are legal; real files nest at most once, so deeper nesting only serves to exhaust a reader. */
    static final int MAX_ARRAY_DEPTH = 3;
    /** Arrays up to this length keep their items (e.g. per-layer settings); longer ones only their length. */
    static final int MAX_KEPT_ARRAY_ITEMS = 64;
    /** Far above any real model (hundreds to a few thousand); bounds the heap a header of tiny entries can cost. */
    static final long MAX_TENSORS = 1 << 20;
    /** Real files carry tens of entries: the large tokenizer tables are single array entries. */
    static final long MAX_METADATA_ENTRIES = 1 << 16;
    /** The GGUF specification limits keys to 65535 bytes; tensor names are far shorter in practice. */
    static final int MAX_KEY_BYTES = 65_535;
    static final int MAX_NAME_BYTES = 65_535;
    /** Total bytes of keys, names and kept strings: a chat template is kilobytes, skipped arrays do not count. */
    static final long MAX_TEXT_BYTES = 64L << 20;
    /** Larger alignments would only push the data section past any real file. */
    static final long MAX_ALIGNMENT = 1L << 30;

    /** Name length, n_dims, one dimension, type, offset. */
    private static final long MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;
    /** Key length, value type, a one-byte value. */
    private static final long MIN_METADATA_BYTES = 8 + 4 + 1;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final MemorySegment file;
    private long position;
    private long textBytes;

    private GgufReader(Path path, MemorySegment file) {
        this.path = path;
        this.file = file;
    }

    /**
     * Parses the header of {@code file}, the whole content of the file at {@code path}.
     *
     * @throws EvomergeException (INPUT) if the file is not a well-formed GGUF v2/v3 file evomerge can read
     */
    static GgufHeader read(Path path, MemorySegment file) {
        return new GgufReader(path, file).header();
    }

    private GgufHeader header() {
        if (file.byteSize() < 4) {
            throw fail("too short to be a GGUF file (" + file.byteSize() + " bytes)");
        }
        int magic = file.get(U32, 0);
        if (magic != MAGIC) {
            throw fail("not a GGUF file: it starts with 0x%08X, not the magic \"GGUF\"".formatted(Integer.reverseBytes(magic)));
        }
        position = 4;
        int version = readU32("version");
        if (version == 1) {
            throw fail("GGUF version 1 (32-bit lengths) is not supported; convert the model again with a current llama.cpp");
        }
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3
                    ? " (a big-endian file; evomerge reads little-endian GGUF only)" : "";
            throw fail("unsupported GGUF version " + Integer.toUnsignedString(version) + hint + "; evomerge reads versions 2 and 3");
        }
        long tensorCount = readU64("tensor count");
        long metadataCount = readU64("metadata count");
        checkCount(metadataCount, MIN_METADATA_BYTES, MAX_METADATA_ENTRIES, "metadata entries");
        checkCount(tensorCount, MIN_TENSOR_INFO_BYTES, MAX_TENSORS, "tensors");

        Map<String, Object> metadata = new LinkedHashMap<>();
        Map<String, long[]> ranges = new LinkedHashMap<>();
        for (long i = 0; i < metadataCount; i++) {
            String key = readString("metadata key", MAX_KEY_BYTES);
            if (metadata.containsKey(key)) {
                throw fail("metadata key " + GgufFormat.quote(key) + " appears twice");
            }
            long start = position;
            long typeId = Integer.toUnsignedLong(readU32("type of metadata " + GgufFormat.quote(key)));
            GgufValueType type = GgufValueType.byId(typeId).orElseThrow(() ->
                    fail("metadata " + GgufFormat.quote(key) + " has unknown value type " + typeId));
            metadata.put(key, readValue(type, key, 0));
            ranges.put(key, new long[] {start, position});
        }
        long alignment = alignment(metadata.get(ALIGNMENT_KEY));

        // Bound the tensor count again, now that the metadata has taken its share of the file.
        checkCount(tensorCount, MIN_TENSOR_INFO_BYTES, MAX_TENSORS, "tensors");
        List<GgufTensorEntry> tensors = new ArrayList<>((int) tensorCount);
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufTensorEntry entry = readTensorInfo();
            if (!names.add(entry.name())) {
                throw fail("tensor " + GgufFormat.quote(entry.name()) + " appears twice");
            }
            tensors.add(entry);
        }
        // position <= file size and alignment <= 2^30, so this cannot overflow.
        long dataOffset = (position + alignment - 1) / alignment * alignment;
        checkDataRanges(tensors, alignment, dataOffset);
        return new GgufHeader(version, metadata, tensors, alignment, dataOffset, ranges);
    }

    private void checkCount(long count, long minBytesEach, long limit, String what) {
        long remaining = remaining();
        if (count < 0 || count > remaining / minBytesEach) {
            throw fail("claims " + Long.toUnsignedString(count) + " " + what + ", but the " + remaining
                    + " bytes left can hold at most " + remaining / minBytesEach);
        }
        if (count > limit) {
            throw fail("claims " + count + " " + what + "; evomerge reads at most " + limit);
        }
    }

    private long alignment(Object value) {
        if (value == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (!(value instanceof Integer || value instanceof Long)) {
            throw fail(ALIGNMENT_KEY + " must be an unsigned integer, not " + describe(value));
        }
        long alignment = ((Number) value).longValue();
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw fail(ALIGNMENT_KEY + " " + alignment + " is not a power of two");
        }
        if (alignment > MAX_ALIGNMENT) {
            throw fail(ALIGNMENT_KEY + " " + alignment + " is larger than " + MAX_ALIGNMENT);
        }
        return alignment;
    }

    private GgufTensorEntry readTensorInfo() {
        String name = readString("tensor name", MAX_NAME_BYTES);
        String quoted = GgufFormat.quote(name);
        long dims = Integer.toUnsignedLong(readU32("dimension count of tensor " + quoted));
        if (dims < 1 || dims > MAX_DIMS) {
            throw fail("tensor " + quoted + " has " + dims + " dimensions; GGUF tensors have 1 to " + MAX_DIMS);
        }
        long[] ne = new long[(int) dims];
        long elements = 1;
        for (int d = 0; d < dims; d++) {
            ne[d] = readU64("dimension " + d + " of tensor " + quoted);
            if (ne[d] <= 0) {
                throw fail("tensor " + quoted + " has dimension " + d + " of size " + Long.toUnsignedString(ne[d]));
            }
            try {
                elements = Math.multiplyExact(elements, ne[d]);
            } catch (ArithmeticException e) {
                throw fail("tensor " + quoted + " has more elements than a 64-bit count can hold");
            }
        }
        long typeId = Integer.toUnsignedLong(readU32("type of tensor " + quoted));
        GgmlType ggmlType = GgmlType.byId(typeId).orElseThrow(() ->
                fail("tensor " + quoted + " has unknown ggml type " + typeId));
        DType dtype = ggmlType.dtype().orElseThrow(() -> fail("tensor " + quoted + " has ggml type " + typeId
                + " (" + ggmlType + "), which evomerge cannot read; supported: " + GgmlType.SUPPORTED));
        if (ne[0] % dtype.blockSize() != 0) {
            throw fail("tensor " + quoted + " has rows of " + ne[0] + " values, not a whole number of " + ggmlType
                    + " blocks of " + dtype.blockSize());
        }
        long byteSize;
        try {
            byteSize = dtype.byteSize(elements);
        } catch (ArithmeticException e) {
            throw fail("tensor " + quoted + " is larger than a 64-bit size can hold");
        }
        long offset = readU64("data offset of tensor " + quoted);
        return new GgufTensorEntry(name, ne, ggmlType, dtype, offset, byteSize);
    }

    private void checkDataRanges(List<GgufTensorEntry> tensors, long alignment, long dataOffset) {
        long available = file.byteSize() - dataOffset;
        for (GgufTensorEntry t : tensors) {
            String quoted = GgufFormat.quote(t.name());
            if (t.offset() < 0 || t.offset() % alignment != 0) {
                throw fail("tensor " + quoted + " starts at data offset " + Long.toUnsignedString(t.offset())
                        + ", which is not a multiple of the alignment " + alignment);
            }
            if (t.offset() > available || t.byteSize() > available - t.offset()) {
                throw fail("tensor " + quoted + " needs bytes " + Long.toUnsignedString(t.offset()) + " to "
                        + Long.toUnsignedString(t.offset() + t.byteSize()) + " of the data section at " + dataOffset
                        + ", beyond the end of the file at " + file.byteSize() + " (truncated?)");
            }
        }
        List<GgufTensorEntry> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(GgufTensorEntry::offset));
        for (int i = 1; i < byOffset.size(); i++) {
            GgufTensorEntry previous = byOffset.get(i - 1);
            GgufTensorEntry next = byOffset.get(i);
            if (previous.offset() + previous.byteSize() > next.offset()) {
                throw fail("tensors " + GgufFormat.quote(previous.name()) + " and " + GgufFormat.quote(next.name())
                        + " overlap in the data section");
            }
        }
    }

    // ---- values -----------------------------------------------------------------------------------------------------

    private Object readValue(GgufValueType type, String key, int depth) {
        String what = "value of metadata " + GgufFormat.quote(key);
        return switch (type) {
            case UINT8 -> readU8(what);
            case INT8 -> (int) (byte) readU8(what);
            case UINT16 -> readU16(what) & 0xFFFF;
            case INT16 -> (int) readU16(what);
            case UINT32 -> Integer.toUnsignedLong(readU32(what));
            case INT32 -> readU32(what);
            case FLOAT32 -> file.get(F32, take(4, what));
            case BOOL -> readU8(what) != 0;
            case STRING -> readString(what, Integer.MAX_VALUE);
            case UINT64 -> {
                long v = readU64(what);
                yield v >= 0 ? (Object) v : new BigInteger(Long.toUnsignedString(v));
            }
            case INT64 -> readU64(what);
            case FLOAT64 -> file.get(F64, take(8, what));
            case ARRAY -> readArray(key, depth + 1);
        };
    }

    private GgufArray readArray(String key, int depth) {
        String quoted = GgufFormat.quote(key);
        if (depth > MAX_ARRAY_DEPTH) {
            throw fail("metadata " + quoted + " nests arrays more than " + MAX_ARRAY_DEPTH + " deep");
        }
        long typeId = Integer.toUnsignedLong(readU32("array type of metadata " + quoted));
        GgufValueType elementType = GgufValueType.byId(typeId).orElseThrow(() ->
                fail("metadata " + quoted + " is an array of unknown value type " + typeId));
        long length = readU64("array length of metadata " + quoted);
        long remaining = remaining();
        if (length < 0 || length > remaining / elementType.minBytes()) {
            throw fail("metadata " + quoted + " claims " + Long.toUnsignedString(length) + " " + elementType
                    + " items, but the " + remaining + " bytes left can hold at most " + remaining / elementType.minBytes());
        }
        if (elementType != GgufValueType.ARRAY && length <= MAX_KEPT_ARRAY_ITEMS) {
            List<Object> items = new ArrayList<>((int) length);
            for (long i = 0; i < length; i++) {
                items.add(readValue(elementType, key, depth));
            }
            return new GgufArray(elementType, length, items);
        }
        // Skipped, not decoded: each step below consumes at least one byte, so the work is bounded by the file.
        if (elementType.isFixedSize()) {
            skip(length * elementType.minBytes());
        } else {
            for (long i = 0; i < length; i++) {
                if (elementType == GgufValueType.STRING) {
                    skipString("item of metadata " + quoted);
                } else {
                    readArray(key, depth + 1);
                }
            }
        }
        return new GgufArray(elementType, length, List.of());
    }

    // ---- primitives -------------------------------------------------------------------------------------------------

    private long remaining() {
        return file.byteSize() - position;
    }

    private void need(long bytes, String what) {
        if (bytes > remaining()) {
            throw fail("truncated: " + what + " needs " + bytes + " bytes at offset " + position + ", but the file ends at "
                    + file.byteSize());
        }
    }

    /**
     * Checks that the next {@code bytes} bytes (field {@code what}) lie inside the file, moves past them and returns
     * their offset: every fixed-size field is read through this, so none can be read without its bounds check.
     */
    private long take(int bytes, String what) {
        need(bytes, what);
        long offset = position;
        position += bytes;
        return offset;
    }

    private int readU8(String what) {
        return file.get(ValueLayout.JAVA_BYTE, take(1, what)) & 0xFF;
    }

    private short readU16(String what) {
        return file.get(U16, take(2, what));
    }

    private int readU32(String what) {
        return file.get(U32, take(4, what));
    }

    private long readU64(String what) {
        return file.get(U64, take(8, what));
    }

    private long readStringLength(String what, long maxBytes) {
        long length = readU64("length of " + what);
        if (length < 0 || length > remaining()) {
            throw fail(what + " at offset " + (position - 8) + " claims " + Long.toUnsignedString(length)
                    + " bytes, but only " + remaining() + " are left");
        }
        if (length > maxBytes) {
            throw fail(what + " at offset " + (position - 8) + " is " + length + " bytes long; at most " + maxBytes
                    + " are allowed");
        }
        return length;
    }

    private String readString(String what, long maxBytes) {
        long length = readStringLength(what, maxBytes);
        textBytes += length;
        if (textBytes > MAX_TEXT_BYTES) {
            throw fail("keys, names and strings in the header exceed " + (MAX_TEXT_BYTES >> 20) + " MiB");
        }
        byte[] bytes = file.asSlice(position, length).toArray(ValueLayout.JAVA_BYTE);
        position += length;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private void skipString(String what) {
        skip(readStringLength(what, Long.MAX_VALUE));
    }

    /**
     * Moves past {@code bytes} bytes that were already checked to lie inside the file. The count arrives as an
     * argument, so a read that produced it (and advanced {@code position} past its own field) is complete before the
     * addition reads {@code position}; {@code position += readCount()} would read {@code position} first and lose the
     * count field's bytes.
     */
    private void skip(long bytes) {
        position += bytes;
    }

    private static String describe(Object value) {
        return value instanceof GgufArray array ? "an array of " + array.elementType() : value.getClass().getSimpleName();
    }

    private EvomergeException fail(String problem) {
        return GgufFormat.inputError(path, problem);
    }
}
