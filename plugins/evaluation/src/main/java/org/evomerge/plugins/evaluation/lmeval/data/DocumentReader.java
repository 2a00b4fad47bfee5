package org.evomerge.plugins.evaluation.lmeval.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.EvomergeException;

/**
 * Reads a split's files into documents ({@code dict}s, as {@code datasets} hands lm-eval its rows): JSON Lines, a JSON
 * array of objects (or the list under {@code dataset_kwargs.field}, or an object of equally long column lists), CSV
 * ({@code sep}/{@code delimiter}, default ","; columns of whole numbers become integers, of numbers floats, as
 * pandas infers them; an empty cell is None), text (one {@code {"text": line}} per line), Parquet
 * ({@link ParquetDocuments}) and Arrow ({@link ArrowDocuments}). Documents of one split share its columns: a field a
 * document lacks is None, as in a {@code datasets} table. Values are Java's plain types: String, Long (or
 * BigInteger), Double, Boolean, null, List and Map.
 */
public final class DocumentReader {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS);

    private DocumentReader() {
    }

    /**
     * The documents of {@code files}, in order.
     *
     * @throws EvomergeException (input) naming the file, and the line for JSON Lines
     */
    public static List<Map<String, Object>> read(List<Path> files, Map<String, Object> kwargs) {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Path file : files) {
            String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".parquet")) {
                docs.addAll(ParquetDocuments.read(file));
            } else if (name.endsWith(".arrow")) {
                docs.addAll(ArrowDocuments.read(file));
            } else if (name.endsWith(".csv") || name.endsWith(".tsv")) {
                docs.addAll(csv(file, kwargs));
            } else if (name.endsWith(".txt")) {
                docs.addAll(text(file));
            } else if (name.endsWith(".json") || name.endsWith(".jsonl")) {
                docs.addAll(json(file, kwargs));
            } else {
                throw EvomergeException.input(file + ": not a data file evomerge reads (JSON, JSONL, CSV, Parquet,"
                        + " Arrow, text)", null);
            }
        }
        return sharedColumns(docs);
    }

    /** Every document with every column of the split, a missing one as None, in first-seen column order. */
    static List<Map<String, Object>> sharedColumns(List<Map<String, Object>> docs) {
        Set<String> columns = new LinkedHashSet<>();
        docs.forEach(d -> columns.addAll(d.keySet()));
        List<Map<String, Object>> shared = new ArrayList<>(docs.size());
        for (Map<String, Object> doc : docs) {
            if (doc.keySet().containsAll(columns) && doc.size() == columns.size()) {
                shared.add(doc);
                continue;
            }
            Map<String, Object> full = new LinkedHashMap<>();
            for (String column : columns) {
                full.put(column, doc.get(column));
            }
            shared.add(full);
        }
        return shared;
    }

    private static String readText(Path file) {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder))) {
            StringBuilder text = new StringBuilder();
            char[] buffer = new char[1 << 16];
            int n;
            while ((n = reader.read(buffer)) > 0) {
                text.append(buffer, 0, n);
            }
            return text.toString();
        } catch (CharacterCodingException e) {
            throw EvomergeException.input(file + ": not UTF-8 text", e);
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static List<Map<String, Object>> json(Path file, Map<String, Object> kwargs) {
        String text = readText(file);
        String trimmed = text.strip();
        List<Map<String, Object>> docs = new ArrayList<>();
        Object field = kwargs.get("field");
        if (trimmed.startsWith("[") || field != null) {
            JsonNode root;
            try {
                root = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw EvomergeException.input(file + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
            }
            if (field != null) {
                root = root.path(field.toString());
            }
            return rows(file, root);
        }
        int line = 0;
        for (String row : text.split("\n", -1)) {
            line++;
            if (row.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(row);
            } catch (JsonProcessingException e) {
                if (line == 1 && trimmed.startsWith("{")) {
                    // Not JSON Lines: one JSON document spread over lines.
                    try {
                        return rows(file, JSON.readTree(text));
                    } catch (JsonProcessingException whole) {
                        throw EvomergeException.input(file + ": not valid JSON (" + whole.getOriginalMessage() + ")",
                                whole);
                    }
                }
                throw EvomergeException.input(file + ":" + line + ": not valid JSON (" + e.getOriginalMessage() + ")",
                        e);
            }
            if (!node.isObject()) {
                throw EvomergeException.input(file + ":" + line + ": expected a JSON object", null);
            }
            docs.add(object(node));
        }
        return docs;
    }

    /** Rows of a JSON document: an array of objects, or an object of equally long column arrays. */
    private static List<Map<String, Object>> rows(Path file, JsonNode root) {
        List<Map<String, Object>> docs = new ArrayList<>();
        if (root.isArray()) {
            for (JsonNode item : root) {
                if (!item.isObject()) {
                    throw EvomergeException.input(file + ": expected an array of JSON objects", null);
                }
                docs.add(object(item));
            }
            return docs;
        }
        if (root.isObject() && root.size() > 0) {
            int length = -1;
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
                JsonNode column = it.next().getValue();
                if (!column.isArray() || (length >= 0 && column.size() != length)) {
                    throw EvomergeException.input(file + ": expected JSON Lines, an array of objects, or an object of"
                            + " equally long column lists (set dataset_kwargs.field for a list inside an object)",
                            null);
                }
                length = column.size();
            }
            for (int i = 0; i < length; i++) {
                Map<String, Object> doc = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> column = it.next();
                    doc.put(column.getKey(), value(column.getValue().get(i)));
                }
                docs.add(doc);
            }
            return docs;
        }
        throw EvomergeException.input(file + ": expected JSON Lines or an array of objects", null);
    }

    private static Map<String, Object> object(JsonNode node) {
        Map<String, Object> doc = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> doc.put(e.getKey(), value(e.getValue())));
        return doc;
    }

    /** A JSON value as a plain Java value. */
    static Object value(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        if (node.isIntegralNumber()) {
            BigInteger big = node.bigIntegerValue();
            return big.bitLength() < 64 ? (Object) big.longValue() : big;
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            node.forEach(item -> list.add(value(item)));
            return list;
        }
        return object(node);
    }

    private static List<Map<String, Object>> text(Path file) {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (String line : readText(file).split("\r\n|\n|\r", -1)) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("text", line);
            docs.add(doc);
        }
        // A final line break ends the last line rather than starting an empty one.
        if (!docs.isEmpty() && "".equals(docs.getLast().get("text"))) {
            docs.removeLast();
        }
        return docs;
    }

    private static List<Map<String, Object>> csv(Path file, Map<String, Object> kwargs) {
        Object separator = kwargs.getOrDefault("sep", kwargs.get("delimiter"));
        char sep = separator == null ? ',' : separator.toString().charAt(0);
        List<List<String>> rows = CsvRows.parse(readText(file), sep);
        if (rows.isEmpty()) {
            return List.of();
        }
        List<String> header = rows.getFirst();
        List<List<String>> body = rows.subList(1, rows.size());
        List<java.util.function.Function<String, Object>> types = new ArrayList<>();
        for (int c = 0; c < header.size(); c++) {
            types.add(CsvRows.columnType(body, c));
        }
        List<Map<String, Object>> docs = new ArrayList<>();
        for (int r = 0; r < body.size(); r++) {
            List<String> row = body.get(r);
            if (row.size() != header.size()) {
                throw EvomergeException.input(file + ":" + (r + 2) + ": " + row.size() + " fields, the header has "
                        + header.size(), null);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            for (int c = 0; c < header.size(); c++) {
                doc.put(header.get(c), types.get(c).apply(row.get(c)));
            }
            docs.add(doc);
        }
        return docs;
    }
}
