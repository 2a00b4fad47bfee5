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
 * @param metadataRanges key to where its entry's value type and value lie in the file, {@code [start, end)}, in file
 *                   order: what a writer copies to keep an entry bit for bit
 */
record GgufHeader(int version, Map<String, Object> metadata, List<GgufTensorEntry> tensors, long alignment,
                  long dataOffset, Map<String, long[]> metadataRanges) {

    GgufHeader {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
        metadataRanges = Collections.unmodifiableMap(new LinkedHashMap<>(metadataRanges));
    }
}
