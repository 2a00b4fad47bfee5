package org.evomerge.plugins.merge;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal reader of the small F32 safetensors files of the mergekit reference cases: an 8-byte little-endian
 * header length, a JSON header (read with a regular expression, enough for these flat headers) and the data.
 */
final class SafetensorsTestFile {

    record Entry(long[] shape, float[] values) {
    }

    private static final Pattern ENTRY = Pattern.compile(
            "\"([^\"]+)\"\\s*:\\s*\\{\\s*\"dtype\"\\s*:\\s*\"([A-Z0-9]+)\"\\s*,"
                    + "\\s*\"shape\"\\s*:\\s*\\[([0-9,\\s]*)]\\s*,"
                    + "\\s*\"data_offsets\"\\s*:\\s*\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*]\\s*}");

    private SafetensorsTestFile() {
    }

    static Map<String, Entry> read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = Math.toIntExact(buffer.getLong(0));
        String header = new String(bytes, 8, headerLength, StandardCharsets.UTF_8);
        int dataStart = 8 + headerLength;
        Map<String, Entry> tensors = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(header);
        while (m.find()) {
            if (!m.group(2).equals("F32")) {
                throw new IOException(file + ": tensor " + m.group(1) + " is " + m.group(2) + ", only F32 is read");
            }
            String dims = m.group(3).strip();
            long[] shape = dims.isEmpty() ? new long[0]
                    : java.util.Arrays.stream(dims.split(",")).map(String::strip).mapToLong(Long::parseLong).toArray();
            int begin = dataStart + Integer.parseInt(m.group(4));
            int end = dataStart + Integer.parseInt(m.group(5));
            float[] values = new float[(end - begin) / 4];
            for (int i = 0; i < values.length; i++) {
                values[i] = buffer.getFloat(begin + 4 * i);
            }
            tensors.put(m.group(1), new Entry(shape, values));
        }
        if (tensors.isEmpty()) {
            throw new IOException(file + ": no tensors found in the header");
        }
        return tensors;
    }
}
