package org.evomerge.plugins.gguf;

import java.util.Optional;

/** The types of GGUF metadata values, by their numbers in the file. */
enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    /** uint64 byte length, then UTF-8 bytes without a terminator. */
    STRING(8, 8),
    /** uint32 element type, uint64 element count, then the elements. */
    ARRAY(9, 12),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private final int id;
    private final int minBytes;

    GgufValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    /** The number the file stores for this type. */
    int id() {
        return id;
    }

    /**
     * The fewest bytes one value of this type occupies (its exact size for fixed-size types): what bounds a count
     * against the bytes left in the file.
     */
    int minBytes() {
        return minBytes;
    }

    boolean isFixedSize() {
        return this != STRING && this != ARRAY;
    }

    static Optional<GgufValueType> byId(long id) {
        for (GgufValueType type : values()) {
            if (type.id == id) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
