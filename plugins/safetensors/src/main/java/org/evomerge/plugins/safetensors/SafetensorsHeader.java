package org.evomerge.plugins.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;

/**
 * The JSON header of a safetensors file, parsed and checked as strictly as Hugging Face's reference library: UTF-8,
 * a JSON object starting with '{', known dtypes, non-negative integer shapes, no duplicate names, data offsets that
 * tile the data buffer from 0 without holes or overlaps and match shape × dtype size, and a buffer that ends exactly
 * at the end of the file. Errors are {@link InvalidSafetensorsException}s with a one-line reason.
 */
record SafetensorsHeader(List<Entry> entries, Map<String, String> metadata, long headerLength) {

    /** The reference library refuses headers over 100 MB; so do we, before allocating anything. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Bytes of the little-endian length prefix. */
    static final int PREFIX_BYTES = 8;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    /**
     * One tensor's header entry.
     *
     * @param begin data offset relative to the start of the data buffer (after the header)
     * @param end   exclusive end offset
     */
    record Entry(String name, DType dtype, Shape shape, long begin, long end) {
    }

    /** Where the data buffer starts in the file. */
    long dataStart() {
        return PREFIX_BYTES + headerLength;
    }

    /**
     * Checks the length prefix against the file size and returns the header length.
     *
     * @param prefix   the first 8 bytes of the file, little-endian
     * @param fileSize the file's size in bytes
     */
    static long headerLength(long prefix, long fileSize) {
        if (fileSize < PREFIX_BYTES) {
            throw new InvalidSafetensorsException("file is " + fileSize + " bytes, too short for the 8-byte header length");
        }
        if (prefix < 0 || prefix > MAX_HEADER_BYTES) {
            throw new InvalidSafetensorsException("header length " + Long.toUnsignedString(prefix)
                    + " exceeds the 100 MB limit");
        }
        if (prefix > fileSize - PREFIX_BYTES) {
            throw new InvalidSafetensorsException("header length " + prefix + " is larger than the file ("
                    + fileSize + " bytes)");
        }
        if (prefix < 2) {
            throw new InvalidSafetensorsException("header length " + prefix + " is too small for a JSON object");
        }
        return prefix;
    }

    /**
     * Parses and validates a header.
     *
     * @param headerBytes exactly {@code headerLength} bytes following the prefix
     * @param fileSize    the size of the whole file, to check the data buffer ends at the end of the file
     */
    static SafetensorsHeader parse(ByteBuffer headerBytes, long fileSize) {
        long headerLength = headerBytes.remaining();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(headerBytes).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidSafetensorsException("header is not valid UTF-8");
        }
        if (text.isEmpty() || text.charAt(0) != '{') {
            throw new InvalidSafetensorsException("header does not start with '{'");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidSafetensorsException("header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidSafetensorsException("header is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals("__metadata__")) {
                readMetadata(value, metadata);
            } else {
                entries.add(readEntry(name, value));
            }
        }
        validateOffsets(entries, fileSize - PREFIX_BYTES - headerLength);
        return new SafetensorsHeader(List.copyOf(entries), Map.copyOf(metadata), headerLength);
    }

    private static void readMetadata(JsonNode value, Map<String, String> metadata) {
        if (!value.isObject()) {
            throw new InvalidSafetensorsException("__metadata__ is not a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getValue().isTextual()) {
                throw new InvalidSafetensorsException("__metadata__ value of '" + field.getKey() + "' is not a string");
            }
            metadata.put(field.getKey(), field.getValue().asText());
        }
    }

    private static Entry readEntry(String name, JsonNode value) {
        if (!value.isObject()) {
            throw new InvalidSafetensorsException("tensor '" + name + "' is not described by a JSON object");
        }
        Set<String> allowed = Set.of("dtype", "shape", "data_offsets");
        for (Iterator<String> keys = value.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!allowed.contains(key)) {
                throw new InvalidSafetensorsException("tensor '" + name + "' has unknown field '" + key + "'");
            }
        }
        JsonNode dtypeNode = value.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new InvalidSafetensorsException("tensor '" + name + "' has no dtype");
        }
        DType dtype = DType.fromSafetensorsName(dtypeNode.asText()).orElseThrow(() ->
                new InvalidSafetensorsException("tensor '" + name + "' has unknown dtype '" + dtypeNode.asText() + "'"));
        JsonNode shapeNode = value.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new InvalidSafetensorsException("tensor '" + name + "' has no shape list");
        }
        long[] dims = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw new InvalidSafetensorsException("tensor '" + name + "' has an invalid dimension " + d);
            }
            dims[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, dims[i]);
            } catch (ArithmeticException e) {
                throw new InvalidSafetensorsException("tensor '" + name + "' has a shape whose size overflows");
            }
        }
        JsonNode offsets = value.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
                || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw new InvalidSafetensorsException("tensor '" + name + "' needs data_offsets [begin, end]");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw new InvalidSafetensorsException("tensor '" + name + "' has invalid data_offsets [" + begin + ", " + end + "]");
        }
        long expected;
        try {
            expected = dtype.byteSize(elements);
        } catch (ArithmeticException | IllegalArgumentException e) {
            throw new InvalidSafetensorsException("tensor '" + name + "' has a shape whose size overflows");
        }
        if (end - begin != expected) {
            throw new InvalidSafetensorsException("tensor '" + name + "' has " + (end - begin) + " bytes of data, but shape "
                    + java.util.Arrays.toString(dims) + " of " + dtype + " needs " + expected);
        }
        return new Entry(name, dtype, new Shape(dims), begin, end);
    }

    private static void validateOffsets(List<Entry> entries, long bufferLength) {
        Set<String> names = new HashSet<>();
        for (Entry e : entries) {
            if (!names.add(e.name())) {
                throw new InvalidSafetensorsException("tensor '" + e.name() + "' appears twice");
            }
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expectedBegin = 0;
        for (Entry e : byOffset) {
            if (e.begin() != expectedBegin) {
                throw new InvalidSafetensorsException("tensor '" + e.name() + "' data_offsets [" + e.begin() + ", "
                        + e.end() + "] " + (e.begin() < expectedBegin ? "overlap the previous tensor" : "leave a gap"));
            }
            expectedBegin = e.end();
        }
        if (expectedBegin != bufferLength) {
            throw new InvalidSafetensorsException(expectedBegin > bufferLength
                    ? "tensor data ends at byte " + expectedBegin + " of the data buffer, beyond the file (truncated?)"
                    : "the data buffer has " + (bufferLength - expectedBegin) + " bytes that no tensor uses");
        }
    }
}
