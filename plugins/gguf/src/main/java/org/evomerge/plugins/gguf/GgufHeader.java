package org.evomerge.plugins.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything before a GGUF file's data section, parsed and checked.
 *
 * @param version    2 or 3
 * @param metadata   key to value in file order; values are {@link Integer}, {@link Long},
 *                   {@link java.math.BigInteger} (a uint64 above {@code Long.MAX_VALUE}), {@link Float},
 *                   {@link Double}, {@link Boolean}, {@link String} or {@link GgufArray}
 * @param tensors    in file order, names unique
 * @param alignment  of the data section and of every tensor offset
 * @param dataOffset where the data section starts in the file
 */
record GgufHeader(int version, Map<String, Object> metadata, List<GgufTensorEntry> tensors, long alignment,
                  long dataOffset) {

    GgufHeader {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
    }
}
