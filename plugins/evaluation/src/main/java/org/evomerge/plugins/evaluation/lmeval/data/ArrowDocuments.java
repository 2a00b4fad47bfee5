package org.evomerge.plugins.evaluation.lmeval.data;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.util.Text;
import org.evomerge.api.EvomergeException;

/**
 * Reads an Arrow IPC file into documents with Apache Arrow's Java reader: the streaming format {@code datasets}
 * writes into its cache, and the random-access file format ({@code ARROW1}). Values: strings, whole numbers as Long,
 * floating point as Double, booleans, lists as List, structs and maps as Map, dictionary-encoded columns decoded,
 * other values as their text.
 */
final class ArrowDocuments {

    private static final byte[] FILE_MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);

    private ArrowDocuments() {
    }

    static List<Map<String, Object>> read(Path file) {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (BufferAllocator allocator = new RootAllocator()) {
            if (isFileFormat(file)) {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                     ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
                    readBatches(reader, docs);
                }
            } else {
                try (InputStream in = Files.newInputStream(file);
                     ArrowStreamReader reader = new ArrowStreamReader(in, allocator)) {
                    readBatches(reader, docs);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw EvomergeException.input(file + ": cannot read as Arrow (" + e.getMessage() + ")", e);
        }
        return docs;
    }

    private static boolean isFileFormat(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return java.util.Arrays.equals(in.readNBytes(FILE_MAGIC.length), FILE_MAGIC);
        }
    }

    private static void readBatches(ArrowReader reader, List<Map<String, Object>> docs) throws IOException {
        while (reader.loadNextBatch()) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            List<ValueVector> columns = new ArrayList<>();
            List<ValueVector> decoded = new ArrayList<>();
            for (FieldVector vector : root.getFieldVectors()) {
                DictionaryEncoding encoding = vector.getField().getDictionary();
                if (encoding != null) {
                    Dictionary dictionary = ((DictionaryProvider) reader).lookup(encoding.getId());
                    ValueVector plain = DictionaryEncoder.decode(vector, dictionary);
                    decoded.add(plain);
                    columns.add(plain);
                } else {
                    columns.add(vector);
                }
            }
            try {
                for (int row = 0; row < root.getRowCount(); row++) {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    for (int c = 0; c < columns.size(); c++) {
                        ValueVector column = columns.get(c);
                        doc.put(root.getSchema().getFields().get(c).getName(),
                                column instanceof MapVector map ? mapValue(map, row) : value(column.getObject(row)));
                    }
                    docs.add(doc);
                }
            } finally {
                decoded.forEach(ValueVector::close);
            }
        }
    }

    /** A map column's entry list ({@code [{key, value}, ...]}) as a map. */
    private static Object mapValue(MapVector vector, int row) {
        Object entries = vector.getObject(row);
        if (!(entries instanceof List<?> list)) {
            return null;
        }
        Map<Object, Object> map = new LinkedHashMap<>();
        for (Object entry : list) {
            if (entry instanceof Map<?, ?> kv) {
                map.put(value(kv.get(MapVector.KEY_NAME)), value(kv.get(MapVector.VALUE_NAME)));
            }
        }
        return map;
    }

    private static Object value(Object value) {
        return switch (value) {
            case null -> null;
            case Text text -> text.toString();
            case String text -> text;
            case Boolean b -> b;
            case Double d -> d;
            case Float f -> (double) f;
            case BigDecimal d -> d.doubleValue();
            case Number n -> n.longValue();
            case byte[] bytes -> new String(bytes, StandardCharsets.UTF_8);
            case List<?> list -> {
                List<Object> items = new ArrayList<>(list.size());
                list.forEach(item -> items.add(value(item)));
                yield items;
            }
            case Map<?, ?> map -> {
                Map<String, Object> fields = new LinkedHashMap<>();
                map.forEach((k, v) -> fields.put(String.valueOf(k), value(v)));
                yield fields;
            }
            default -> value.toString();
        };
    }
}
