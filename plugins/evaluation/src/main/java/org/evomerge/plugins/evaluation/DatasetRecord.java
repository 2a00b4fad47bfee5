package org.evomerge.plugins.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.evomerge.api.EvomergeException;

/**
 * One line of a JSONL dataset. Accessors fail with an input error naming the file, the line and the field, so a bad
 * dataset is reported where it is wrong.
 *
 * @param file the dataset file
 * @param line 1-based line number
 * @param node the line's JSON object
 */
public record DatasetRecord(Path file, int line, JsonNode node) {

    public boolean has(String field) {
        JsonNode value = node.get(field);
        return value != null && !value.isNull();
    }

    public String text(String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw error("'" + field + "' must be a string");
        }
        return value.asText();
    }

    /** A string field, or a number written as text (answers and labels are often numbers in datasets). */
    public String scalarText(String field) {
        JsonNode value = node.get(field);
        if (value == null || !(value.isTextual() || value.isNumber() || value.isBoolean())) {
            throw error("'" + field + "' must be a string or a number");
        }
        return value.asText();
    }

    public int integer(String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
            throw error("'" + field + "' must be a whole number");
        }
        return value.asInt();
    }

    public List<String> texts(String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray() || value.isEmpty()) {
            throw error("'" + field + "' must be a non-empty list of strings");
        }
        List<String> texts = new ArrayList<>(value.size());
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw error("'" + field + "' must hold only strings");
            }
            texts.add(item.asText());
        }
        return texts;
    }

    public int[] tokenIds(String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray()) {
            throw error("'" + field + "' must be a list of token ids");
        }
        int[] ids = new int[value.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode item = value.get(i);
            if (!item.isIntegralNumber() || !item.canConvertToInt() || item.asInt() < 0) {
                throw error("'" + field + "'[" + i + "] must be a non-negative whole number");
            }
            ids[i] = item.asInt();
        }
        return ids;
    }

    /** An input error located at this record: {@code FILE:LINE: problem}. */
    public EvomergeException error(String problem) {
        return EvomergeException.input(file + ":" + line + ": " + problem, null);
    }
}
