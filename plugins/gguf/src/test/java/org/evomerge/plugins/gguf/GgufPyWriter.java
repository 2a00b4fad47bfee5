package org.evomerge.plugins.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF files laid out byte for byte as llama.cpp's gguf-py {@code GGUFWriter} (gguf-py/gguf/gguf_writer.py)
 * writes them, which is how {@code convert_hf_to_gguf.py} writes every model it converts. It follows that code, not
 * evomerge's reader:
 * <ul>
 *   <li>the header: {@code "GGUF"}, uint32 version 3, uint64 tensor count, uint64 key/value count;</li>
 *   <li>key/value pairs in the order their keys were first added: {@code add_key_value} stores into a Python dict, so
 *       adding a key again replaces its value in place. The constructor adds {@code general.architecture} first;</li>
 *   <li>{@code add_string} drops an empty string and {@code add_array} an empty array;</li>
 *   <li>array items typed as {@code GGUFValueType.get_type} types them: strings (and byte strings) STRING, floats
 *       FLOAT32, booleans BOOL, integers INT32, lists ARRAY (nested arrays), all items of one type; a Python
 *       {@code bytes} value as a whole is an array of UINT8;</li>
 *   <li>tensor infos: name, n_dims, the numpy shape reversed (ggml's {@code ne}), the ggml type, and the offset, the sum
 *       of the earlier tensors' byte sizes each padded to the alignment;</li>
 *   <li>zeros up to the alignment (32, or what {@code add_custom_alignment} set) after the tensor infos and after
 *       every tensor, the last one included.</li>
 * </ul>
 * Streams to the file, so a real-size vocabulary costs no more heap than its strings.
 */
final class GgufPyWriter {

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

    static final int GGML_F32 = 0;
    static final int GGML_F16 = 1;
    static final int GGML_Q8_0 = 8;

    private static final int VERSION = 3;
    private static final int DEFAULT_ALIGNMENT = 32;

    /** A value and its GGUF type; an ARRAY's payload is an {@link Items}. */
    private record Value(int type, Object payload) {
    }

    private record Items(int elementType, List<?> items) {
    }

    /**
     * A tensor as {@code add_tensor} receives it.
     *
     * @param shape    the numpy shape (slowest-varying first); for a quantised type, in elements, not bytes
     * @param ggmlType the ggml type number
     * @param data     the bytes {@code tofile} writes
     */
    private record Tensor(String name, long[] shape, int ggmlType, byte[] data) {
    }

    /**
     * Where a written file put things.
     *
     * @param dataOffset     where the data section starts
     * @param tensorOffsets  per tensor, in order, its offset within the data section
     * @param fileSize       the file's length
     */
    record Layout(long dataOffset, List<Long> tensorOffsets, long fileSize) {
    }

    private final Map<String, Value> keyValues = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private int alignment = DEFAULT_ALIGNMENT;

    /** Like {@code GGUFWriter(path, arch)}, which adds {@code general.architecture} before anything else. */
    GgufPyWriter(String architecture) {
        addString("general.architecture", architecture);
    }

    // ---- the typed add_* methods ------------------------------------------------------------------------------------

    GgufPyWriter addUint8(String key, int value) {
        return put(key, UINT8, value);
    }

    GgufPyWriter addInt8(String key, int value) {
        return put(key, INT8, value);
    }

    GgufPyWriter addUint16(String key, int value) {
        return put(key, UINT16, value);
    }

    GgufPyWriter addInt16(String key, int value) {
        return put(key, INT16, value);
    }

    GgufPyWriter addUint32(String key, long value) {
        return put(key, UINT32, value);
    }

    GgufPyWriter addInt32(String key, int value) {
        return put(key, INT32, value);
    }

    GgufPyWriter addFloat32(String key, float value) {
        return put(key, FLOAT32, value);
    }

    /** {@code value} as Python passes it to {@code struct.pack("<Q")}: 0 to 2^64 - 1. */
    GgufPyWriter addUint64(String key, BigInteger value) {
        return put(key, UINT64, value);
    }

    GgufPyWriter addInt64(String key, long value) {
        return put(key, INT64, value);
    }

    GgufPyWriter addFloat64(String key, double value) {
        return put(key, FLOAT64, value);
    }

    GgufPyWriter addBool(String key, boolean value) {
        return put(key, BOOL, value);
    }

    /** {@code add_string}: an empty string is not written at all. */
    GgufPyWriter addString(String key, String value) {
        return value.isEmpty() ? this : put(key, STRING, value);
    }

    /**
     * {@code add_array} of a Python list: items are {@link String}s or {@code byte[]} (STRING), {@link Float}s or
     * {@link Double}s (FLOAT32), {@link Boolean}s, {@link Integer}s (INT32) or {@link List}s of these (ARRAY). An empty
     * list is not written at all.
     */
    GgufPyWriter addArray(String key, List<?> items) {
        return items.isEmpty() ? this : put(key, ARRAY, items(items));
    }

    /** {@code add_array} of a Python {@code bytes} value, such as the precompiled charsmap: an array of UINT8. */
    GgufPyWriter addArray(String key, byte[] bytes) {
        List<Integer> items = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            items.add(b & 0xFF);
        }
        return bytes.length == 0 ? this : put(key, ARRAY, new Items(UINT8, items));
    }

    /** {@code add_custom_alignment}: the uint32 {@code general.alignment}, and the padding follows it. */
    GgufPyWriter addCustomAlignment(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("Invalid alignment: must be a non-zero power of two");
        }
        this.alignment = alignment;
        return addUint32("general.alignment", alignment);
    }

    /** {@code add_tensor(name, tensor, raw_dtype=...)}; names are unique, as gguf-py insists. */
    GgufPyWriter addTensor(String name, long[] shape, int ggmlType, byte[] data) {
        if (tensors.stream().anyMatch(t -> t.name().equals(name))) {
            throw new IllegalArgumentException("Duplicated tensor name '" + name + "'");
        }
        tensors.add(new Tensor(name, shape.clone(), ggmlType, data));
        return this;
    }

    private GgufPyWriter put(String key, int type, Object payload) {
        keyValues.put(key, new Value(type, payload));
        return this;
    }

    /** The item type {@code GGUFValueType.get_type} gives a value. */
    private static int typeOf(Object item) {
        return switch (item) {
            case String s -> STRING;
            case byte[] b -> STRING;
            case List<?> l -> ARRAY;
            case Float f -> FLOAT32;
            case Double d -> FLOAT32;
            case Boolean b -> BOOL;
            case Integer i -> INT32;
            default -> throw new IllegalArgumentException("Unknown type: " + item.getClass());
        };
    }

    private static Items items(List<?> list) {
        int type = typeOf(list.getFirst());
        List<Object> converted = new ArrayList<>(list.size());
        for (Object item : list) {
            if (typeOf(item) != type) {
                throw new IllegalArgumentException("All items in a GGUF array should be of the same type");
            }
            converted.add(item instanceof List<?> inner ? items(inner) : item);
        }
        return new Items(type, converted);
    }

    // ---- writing ----------------------------------------------------------------------------------------------------

    /** {@code write_header_to_file}, {@code write_kv_data_to_file} and {@code write_tensors_to_file}, in that order. */
    Layout write(Path file) throws IOException {
        try (Out out = new Out(Files.newOutputStream(file))) {
            out.raw("GGUF".getBytes(StandardCharsets.US_ASCII));
            out.le(VERSION, 4);
            out.le(tensors.size(), 8);
            out.le(keyValues.size(), 8);
            for (Map.Entry<String, Value> entry : keyValues.entrySet()) {
                out.string(entry.getKey());
                out.le(entry.getValue().type(), 4);
                writeValue(out, entry.getValue().type(), entry.getValue().payload());
            }
            List<Long> offsets = new ArrayList<>();
            long offset = 0;
            for (Tensor t : tensors) {
                out.string(t.name());
                out.le(t.shape().length, 4);
                for (int j = 0; j < t.shape().length; j++) {
                    out.le(t.shape()[t.shape().length - 1 - j], 8);
                }
                out.le(t.ggmlType(), 4);
                out.le(offset, 8);
                offsets.add(offset);
                offset += pad(t.data().length);
            }
            out.zeros(pad(out.written) - out.written);
            long dataOffset = out.written;
            for (Tensor t : tensors) {
                out.raw(t.data());
                out.zeros(pad(t.data().length) - t.data().length);
            }
            out.flush();
            return new Layout(dataOffset, List.copyOf(offsets), out.written);
        }
    }

    private long pad(long n) {
        return (n + alignment - 1) / alignment * alignment;
    }

    /** {@code _pack_val} without the type: scalars little-endian, strings and arrays length-prefixed. */
    private static void writeValue(Out out, int type, Object payload) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.le(((Number) payload).longValue(), 1);
            case UINT16, INT16 -> out.le(((Number) payload).longValue(), 2);
            case UINT32, INT32 -> out.le(((Number) payload).longValue(), 4);
            case UINT64 -> out.le(((BigInteger) payload).longValue(), 8);
            case INT64 -> out.le(((Number) payload).longValue(), 8);
            case FLOAT32 -> out.le(Float.floatToRawIntBits(((Number) payload).floatValue()), 4);
            case FLOAT64 -> out.le(Double.doubleToRawLongBits(((Number) payload).doubleValue()), 8);
            case BOOL -> out.le((Boolean) payload ? 1 : 0, 1);
            case STRING -> out.string(payload);
            case ARRAY -> {
                Items items = (Items) payload;
                out.le(items.elementType(), 4);
                out.le(items.items().size(), 8);
                for (Object item : items.items()) {
                    writeValue(out, items.elementType(), item);
                }
            }
            default -> throw new IllegalArgumentException("Invalid GGUF metadata value type " + type);
        }
    }

    /** Little-endian output that counts what it wrote (gguf-py's {@code fout.tell()}). */
    private static final class Out extends BufferedOutputStream {
        long written;

        Out(OutputStream out) {
            super(out, 1 << 16);
        }

        void le(long value, int bytes) throws IOException {
            for (int i = 0; i < bytes; i++) {
                write((int) (value >>> (8 * i)));
            }
            written += bytes;
        }

        void raw(byte[] bytes) throws IOException {
            write(bytes);
            written += bytes.length;
        }

        void zeros(long count) throws IOException {
            raw(new byte[Math.toIntExact(count)]);
        }

        /** A {@code str} is UTF-8 encoded; a {@code bytes} value is written as it is. */
        void string(Object value) throws IOException {
            byte[] bytes = value instanceof byte[] b ? b : ((String) value).getBytes(StandardCharsets.UTF_8);
            le(bytes.length, 8);
            raw(bytes);
        }
    }
}
