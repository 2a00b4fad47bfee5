package org.evomerge.plugins.safetensors;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.TensorInfo;

/**
 * Where every tensor of a model goes, decided before any data is written, exactly as Hugging Face writes it:
 * tensors are assigned to shards greedily in declaration order (a new shard starts when the next tensor would push
 * the current one over the limit; a tensor larger than the limit gets a shard of its own), shards are named
 * {@code model-00001-of-00004.safetensors} ({@code model.safetensors} when there is one), and inside a shard the
 * data is ordered by dtype alignment (largest first) then by name, as the safetensors library orders it. Each header
 * is compact JSON with {@code __metadata__} first, padded with spaces to a multiple of 8 bytes.
 */
record ShardPlan(List<Shard> shards, long totalSize) {

    /**
     * One output file.
     *
     * @param fileName  e.g. {@code model-00002-of-00003.safetensors}
     * @param tensors   in data order, each with its absolute position in the file
     * @param header    the length prefix and the padded JSON header
     * @param fileSize  header plus data
     */
    record Shard(String fileName, List<Placed> tensors, byte[] header, long fileSize) {
    }

    /** A tensor and the absolute file offset of its first byte. */
    record Placed(TensorInfo info, long fileOffset) {
    }

    static ShardPlan of(List<TensorInfo> tensors, long maxShardBytes, Map<String, String> metadata) {
        List<List<TensorInfo>> groups = new ArrayList<>();
        List<TensorInfo> current = new ArrayList<>();
        long currentSize = 0;
        long total = 0;
        for (TensorInfo tensor : tensors) {
            long size = tensor.byteSize();
            total += size;
            if (size > maxShardBytes) {
                groups.add(List.of(tensor));
                continue;
            }
            if (currentSize + size > maxShardBytes && !current.isEmpty()) {
                groups.add(current);
                current = new ArrayList<>();
                currentSize = 0;
            }
            current.add(tensor);
            currentSize += size;
        }
        if (!current.isEmpty() || groups.isEmpty()) {
            groups.add(current);
        }
        List<Shard> shards = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            String name = groups.size() == 1 ? "model.safetensors"
                    : String.format("model-%05d-of-%05d.safetensors", i + 1, groups.size());
            shards.add(shard(name, groups.get(i), metadata));
        }
        return new ShardPlan(List.copyOf(shards), total);
    }

    private static Shard shard(String fileName, List<TensorInfo> tensors, Map<String, String> metadata) {
        List<TensorInfo> ordered = new ArrayList<>(tensors);
        ordered.sort(Comparator.comparingInt((TensorInfo t) -> alignmentRank(t.dtype())).reversed()
                .thenComparing((a, b) -> Arrays.compareUnsigned(utf8(a.name()), utf8(b.name()))));
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append(quote("__metadata__")).append(":{");
            boolean first = true;
            for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
                json.append(first ? "" : ",").append(quote(e.getKey())).append(':').append(quote(e.getValue()));
                first = false;
            }
            json.append('}');
        }
        long offset = 0;
        List<long[]> ranges = new ArrayList<>();
        for (TensorInfo t : ordered) {
            long end = offset + t.byteSize();
            json.append(json.length() > 1 ? "," : "").append(quote(t.name())).append(":{\"dtype\":")
                    .append(quote(t.dtype().safetensorsName().orElseThrow(() -> new IllegalArgumentException(
                            "safetensors cannot store " + t.dtype() + " (tensor " + t.name() + ")"))))
                    .append(",\"shape\":[");
            long[] dims = t.shape().dims();
            for (int d = 0; d < dims.length; d++) {
                json.append(d == 0 ? "" : ",").append(dims[d]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            ranges.add(new long[] {offset, end});
            offset = end;
        }
        json.append('}');
        byte[] text = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + 7) / 8 * 8;
        byte[] header = new byte[SafetensorsHeader.PREFIX_BYTES + padded];
        for (int i = 0; i < 8; i++) {
            header[i] = (byte) ((long) padded >>> (8 * i));
        }
        System.arraycopy(text, 0, header, SafetensorsHeader.PREFIX_BYTES, text.length);
        Arrays.fill(header, SafetensorsHeader.PREFIX_BYTES + text.length, header.length, (byte) ' ');
        List<Placed> placed = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) {
            placed.add(new Placed(ordered.get(i), header.length + ranges.get(i)[0]));
        }
        return new Shard(fileName, List.copyOf(placed), header, header.length + offset);
    }

    /** The safetensors library's dtype order (its enum declares dtypes by increasing alignment). */
    static int alignmentRank(DType dtype) {
        return switch (dtype) {
            case BOOL -> 0;
            case U8 -> 4;
            case I8 -> 5;
            case F8_E5M2 -> 6;
            case F8_E4M3 -> 7;
            case I16 -> 11;
            case F16 -> 13;
            case BF16 -> 14;
            case I32 -> 15;
            case F32 -> 17;
            case F64 -> 19;
            case I64 -> 20;
            case Q8_0, Q4_0, Q4_K, Q5_K, Q6_K ->
                    throw new IllegalArgumentException("safetensors cannot store " + dtype);
        };
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A JSON string as serde_json writes it: only quote, backslash and control characters are escaped. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** The index file as transformers writes it: json.dumps(index, indent=2, sort_keys=True) + "\n". */
    String indexJson() {
        Map<String, String> weightMap = new TreeMap<>();
        for (Shard shard : shards) {
            for (Placed p : shard.tensors()) {
                weightMap.put(p.info().name(), shard.fileName());
            }
        }
        StringBuilder json = new StringBuilder("{\n  \"metadata\": {\n    \"total_size\": ").append(totalSize)
                .append("\n  },\n  \"weight_map\": {");
        boolean first = true;
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            json.append(first ? "\n" : ",\n").append("    ").append(pythonQuote(e.getKey())).append(": ")
                    .append(pythonQuote(e.getValue()));
            first = false;
        }
        json.append(first ? "}\n}\n" : "\n  }\n}\n");
        return json.toString();
    }

    /** Python's json.dumps string (ensure_ascii): non-ASCII as \\uXXXX escapes. */
    private static String pythonQuote(String s) {
        StringBuilder out = new StringBuilder();
        String base = quote(s);
        for (int i = 0; i < base.length(); i++) {
            char c = base.charAt(i);
            out.append(c < 0x80 ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return out.toString();
    }

    /** Tensor name → shard, for lookups while writing. */
    Map<String, Shard> shardOf() {
        Map<String, Shard> result = new LinkedHashMap<>();
        shards.forEach(s -> s.tensors().forEach(p -> result.put(p.info().name(), s)));
        return result;
    }
}
