package org.evomerge.plugins.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes GGUF files for tests, written from the format description independently of the reader: header, typed
 * metadata, tensor infos, padding to the alignment, data. It also records where every count, length, type and offset
 * field sits, so hostile-input tests can corrupt exactly those.
 */
final class GgufTestFile {

    // Metadata value types.
    static final int UINT8 = 0;
    static final int INT8 = 1;
    static final int UINT16 = 2;
    static final int INT16 = 3;
    static final int UINT32 = 4;
    static final int INT32 = 5;
    static final int FLOAT32 = 6;
    static final int BOOL = 7;
    static final int STRING = 8;
    static final int ARRAY = 9;
    static final int UINT64 = 10;
    static final int INT64 = 11;
    static final int FLOAT64 = 12;

    // ggml tensor types.
    static final int GGML_F32 = 0;
    static final int GGML_F16 = 1;
    static final int GGML_Q4_0 = 2;
    static final int GGML_Q8_0 = 8;
    static final int GGML_Q2_K = 10;
    static final int GGML_Q4_K = 12;
    static final int GGML_Q5_K = 13;
    static final int GGML_Q6_K = 14;
    static final int GGML_BF16 = 30;

    /** A metadata value: its type code and payload (a Number, Boolean, String, byte[] of raw bytes, or Array). */
    record Value(int type, Object payload) {
    }

    record Array(int elementType, List<Value> items) {
    }

    /** A tensor info and its data; {@code offset} null means "next aligned position after the previous tensor". */
    record TensorSpec(String name, int ggmlType, long[] ne, byte[] data, Long offset) {
    }

    /**
     * A written file and where its fields are.
     *
     * @param lengthFields      byte positions of every uint64 count or length (tensor and metadata counts, string
     *                          lengths, array lengths, dimensions, tensor offsets)
     * @param typeFields        byte positions of every uint32 (version, value types, n_dims, ggml types)
     * @param tensorOffsetField per tensor, the position of its offset field
     * @param dataOffset        where the data section starts
     */
    record Written(byte[] bytes, List<Integer> lengthFields, List<Integer> typeFields, List<Integer> tensorOffsetField,
                   int dataOffset) {

        Path writeTo(Path file) throws IOException {
            return Files.write(file, bytes);
        }
    }

    private int version = 3;
    private long alignment = 32;
    private final List<String> keys = new ArrayList<>();
    private final List<Value> values = new ArrayList<>();
    private final List<TensorSpec> tensors = new ArrayList<>();

    static Value u8(int v) {
        return new Value(UINT8, v);
    }

    static Value i8(int v) {
        return new Value(INT8, v);
    }

    static Value u16(int v) {
        return new Value(UINT16, v);
    }

    static Value i16(int v) {
        return new Value(INT16, v);
    }

    static Value u32(long v) {
        return new Value(UINT32, v);
    }

    static Value i32(int v) {
        return new Value(INT32, v);
    }

    static Value u64(long v) {
        return new Value(UINT64, v);
    }

    static Value i64(long v) {
        return new Value(INT64, v);
    }

    static Value f32(float v) {
        return new Value(FLOAT32, v);
    }

    static Value f64(double v) {
        return new Value(FLOAT64, v);
    }

    static Value bool(boolean v) {
        return new Value(BOOL, v);
    }

    static Value str(String v) {
        return new Value(STRING, v);
    }

    static Value array(int elementType, List<Value> items) {
        return new Value(ARRAY, new Array(elementType, items));
    }

    static Value strings(List<String> items) {
        return array(STRING, items.stream().map(GgufTestFile::str).toList());
    }

    /** A value of any type code followed by arbitrary bytes, for unknown or malformed types. */
    static Value raw(int type, byte[] bytes) {
        return new Value(type, bytes);
    }

    GgufTestFile version(int version) {
        this.version = version;
        return this;
    }

    /** Adds {@code general.alignment} as a uint32 and lays the data out with it. */
    GgufTestFile alignment(long alignment) {
        this.alignment = alignment;
        return meta("general.alignment", u32(alignment));
    }

    GgufTestFile meta(String key, Value value) {
        keys.add(key);
        values.add(value);
        return this;
    }

    GgufTestFile tensor(String name, int ggmlType, long[] ne, byte[] data) {
        tensors.add(new TensorSpec(name, ggmlType, ne, data, null));
        return this;
    }

    GgufTestFile tensorAt(String name, int ggmlType, long[] ne, byte[] data, long offset) {
        tensors.add(new TensorSpec(name, ggmlType, ne, data, offset));
        return this;
    }

    Path write(Path file) throws IOException {
        return build().writeTo(file);
    }

    Written build() {
        Out out = new Out();
        out.bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        out.u32(version);
        out.u64(tensors.size());
        out.u64(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            out.string(keys.get(i));
            out.u32(values.get(i).type());
            writeValue(out, values.get(i));
        }
        List<Integer> offsetFields = new ArrayList<>();
        long[] offsets = new long[tensors.size()];
        long next = 0;
        for (int i = 0; i < tensors.size(); i++) {
            TensorSpec t = tensors.get(i);
            offsets[i] = t.offset() != null ? t.offset() : next;
            next = align(Math.max(next, offsets[i] + t.data().length), alignment);
            out.string(t.name());
            out.u32(t.ne().length);
            for (long d : t.ne()) {
                out.u64(d);
            }
            out.u32(t.ggmlType());
            offsetFields.add(out.size());
            out.u64(offsets[i]);
        }
        int dataOffset = (int) align(out.size(), alignment);
        out.bytes(new byte[dataOffset - out.size()]);
        long dataEnd = 0;
        for (int i = 0; i < tensors.size(); i++) {
            dataEnd = Math.max(dataEnd, offsets[i] + tensors.get(i).data().length);
        }
        byte[] data = new byte[(int) dataEnd];
        for (int i = 0; i < tensors.size(); i++) {
            byte[] d = tensors.get(i).data();
            System.arraycopy(d, 0, data, (int) offsets[i], d.length);
        }
        out.bytes(data);
        return new Written(out.toByteArray(), List.copyOf(out.lengthFields), List.copyOf(out.typeFields),
                offsetFields, dataOffset);
    }

    private static void writeValue(Out out, Value value) {
        switch (value.payload()) {
            case byte[] raw -> out.bytes(raw);
            case Array array -> {
                out.u32(array.elementType());
                out.u64(array.items().size());
                for (Value item : array.items()) {
                    writeValue(out, item);
                }
            }
            case String s -> out.string(s);
            case Boolean b -> out.write(b ? 1 : 0);
            case Number n -> {
                switch (value.type()) {
                    case UINT8, INT8 -> out.write(n.intValue());
                    case UINT16, INT16 -> out.le(n.longValue(), 2);
                    case UINT32, INT32 -> out.le(n.longValue(), 4);
                    case UINT64, INT64 -> out.le(n.longValue(), 8);
                    case FLOAT32 -> out.le(Float.floatToRawIntBits(n.floatValue()), 4);
                    case FLOAT64 -> out.le(Double.doubleToRawLongBits(n.doubleValue()), 8);
                    default -> throw new IllegalArgumentException("number for type " + value.type());
                }
            }
            default -> throw new IllegalArgumentException("unsupported payload " + value.payload());
        }
    }

    private static long align(long position, long alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }

    /** Little-endian output that remembers where the count and type fields went. */
    private static final class Out extends ByteArrayOutputStream {
        final List<Integer> lengthFields = new ArrayList<>();
        final List<Integer> typeFields = new ArrayList<>();

        void le(long value, int bytes) {
            for (int i = 0; i < bytes; i++) {
                write((int) (value >>> (8 * i)));
            }
        }

        void u32(long value) {
            typeFields.add(size());
            le(value, 4);
        }

        void u64(long value) {
            lengthFields.add(size());
            le(value, 8);
        }

        void string(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            u64(utf8.length);
            bytes(utf8);
        }

        void bytes(byte[] b) {
            write(b, 0, b.length);
        }
    }
}
