package org.evomerge.plugins.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The key/value pairs of a GGUF file being written, in the order they were added, with the value types gguf-py's
 * {@code GGUFWriter} gives them. As there, a key is added once, an empty string or array is not added at all, and an
 * array's items share one type. Entries copied from another GGUF file keep their bytes. Not thread-safe.
 */
final class GgufMetadata {

    /** One entry's key, type and value, ready to be written. */
    private sealed interface Entry {
        void writeValue(GgufBytes out);
    }

    private record Scalar(GgufValueType type, Object value) implements Entry {
        @Override
        public void writeValue(GgufBytes out) {
            out.u32(type.id());
            out.scalar(type, value);
        }
    }

    private record Array(GgufValueType elementType, List<?> items) implements Entry {
        @Override
        public void writeValue(GgufBytes out) {
            out.u32(GgufValueType.ARRAY.id());
            out.u32(elementType.id());
            out.u64(items.size());
            for (Object item : items) {
                out.scalar(elementType, item);
            }
        }
    }

    /** The type and value bytes of an entry as another file holds them. */
    private record Copied(byte[] typeAndValue) implements Entry {
        @Override
        public void writeValue(GgufBytes out) {
            out.raw(typeAndValue);
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    Set<String> keys() {
        return entries.keySet();
    }

    boolean has(String key) {
        return entries.containsKey(key);
    }

    int size() {
        return entries.size();
    }

    GgufMetadata putUint32(String key, long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(key + " " + value + " is not a uint32");
        }
        return put(key, new Scalar(GgufValueType.UINT32, value));
    }

    GgufMetadata putFloat32(String key, double value) {
        return put(key, new Scalar(GgufValueType.FLOAT32, (float) value));
    }

    GgufMetadata putBool(String key, boolean value) {
        return put(key, new Scalar(GgufValueType.BOOL, value));
    }

    /** A string; an empty one is not added, as gguf-py's {@code add_string} skips it. */
    GgufMetadata putString(String key, String value) {
        return value.isEmpty() ? this : put(key, new Scalar(GgufValueType.STRING, value));
    }

    /** An array of strings ({@link String} or UTF-8 {@code byte[]}); an empty one is not added. */
    GgufMetadata putStrings(String key, List<?> values) {
        return values.isEmpty() ? this : put(key, new Array(GgufValueType.STRING, List.copyOf(values)));
    }

    /** An array of float32 values; an empty one is not added. */
    GgufMetadata putFloats(String key, List<Float> values) {
        return values.isEmpty() ? this : put(key, new Array(GgufValueType.FLOAT32, List.copyOf(values)));
    }

    /** An array of int32 values (Python integers, as gguf-py types them); an empty one is not added. */
    GgufMetadata putInts(String key, List<Integer> values) {
        return values.isEmpty() ? this : put(key, new Array(GgufValueType.INT32, List.copyOf(values)));
    }

    /** An entry as another GGUF file stores it: its value type id followed by the value's bytes. */
    GgufMetadata putCopied(String key, byte[] typeAndValue) {
        return put(key, new Copied(typeAndValue.clone()));
    }

    /**
     * Replaces the value of {@code key} where it stands, or adds it at the end: how llama.cpp's quantizer sets
     * {@code general.file_type} in the metadata it copies.
     */
    GgufMetadata setUint32(String key, long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(key + " " + value + " is not a uint32");
        }
        // A LinkedHashMap keeps a replaced key where it was.
        entries.put(key, new Scalar(GgufValueType.UINT32, value));
        return this;
    }

    /** Replaces the string value of {@code key} where it stands, or adds it at the end. */
    GgufMetadata setString(String key, String value) {
        entries.put(key, new Scalar(GgufValueType.STRING, value));
        return this;
    }

    private GgufMetadata put(String key, Entry entry) {
        if (entries.putIfAbsent(key, entry) != null) {
            throw new IllegalArgumentException("Duplicated key name '" + key + "'");
        }
        return this;
    }

    /** Each key, as a GGUF string, followed by its type and value. */
    void writeTo(GgufBytes out) {
        for (Map.Entry<String, Entry> entry : entries.entrySet()) {
            out.string(entry.getKey().getBytes(StandardCharsets.UTF_8));
            entry.getValue().writeValue(out);
        }
    }

    /** Little-endian output into a growing array, as GGUF headers are written. */
    static final class GgufBytes {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);

        long size() {
            return bytes.size();
        }

        byte[] toByteArray() {
            return bytes.toByteArray();
        }

        void le(long value, int width) {
            for (int i = 0; i < width; i++) {
                bytes.write((int) (value >>> (8 * i)));
            }
        }

        void u32(long value) {
            le(value, 4);
        }

        void u64(long value) {
            le(value, 8);
        }

        void raw(byte[] data) {
            bytes.writeBytes(data);
        }

        void zeros(long count) {
            for (long i = 0; i < count; i++) {
                bytes.write(0);
            }
        }

        /** A uint64 length and the bytes. */
        void string(byte[] utf8) {
            u64(utf8.length);
            raw(utf8);
        }

        void scalar(GgufValueType type, Object value) {
            switch (type) {
                case UINT8, INT8 -> le(((Number) value).longValue(), 1);
                case UINT16, INT16 -> le(((Number) value).longValue(), 2);
                case UINT32, INT32 -> le(((Number) value).longValue(), 4);
                case UINT64, INT64 -> le(((Number) value).longValue(), 8);
                case FLOAT32 -> le(Float.floatToRawIntBits(((Number) value).floatValue()), 4);
                case FLOAT64 -> le(Double.doubleToRawLongBits(((Number) value).doubleValue()), 8);
                case BOOL -> le((Boolean) value ? 1 : 0, 1);
                case STRING -> string(value instanceof byte[] utf8 ? utf8
                        : ((String) value).getBytes(StandardCharsets.UTF_8));
                case ARRAY -> throw new IllegalArgumentException("nested arrays are written as copied entries");
            }
        }
    }
}
