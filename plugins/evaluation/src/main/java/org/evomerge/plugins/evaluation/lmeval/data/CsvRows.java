package org.evomerge.plugins.evaluation.lmeval.data;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** CSV as pandas reads it for {@code datasets}: quoted fields with doubled quotes, and per-column value types. */
final class CsvRows {

    private CsvRows() {
    }

    /** The rows of {@code text}; quoted fields may hold separators, quotes (doubled) and line breaks. */
    static List<List<String>> parse(String text, char separator) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                any = true;
            } else if (c == separator) {
                row.add(field.toString());
                field.setLength(0);
                any = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                if (any || field.length() > 0) {
                    row.add(field.toString());
                    rows.add(row);
                }
                row = new ArrayList<>();
                field.setLength(0);
                any = false;
            } else {
                field.append(c);
                any = true;
            }
        }
        if (any || field.length() > 0) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }

    /**
     * How a column's cells become values: whole numbers when every non-empty cell is one, numbers when every one is
     * a number, else text; an empty cell is None.
     */
    static Function<String, Object> columnType(List<List<String>> rows, int column) {
        boolean integers = true;
        boolean numbers = true;
        for (List<String> row : rows) {
            if (column >= row.size() || row.get(column).isEmpty()) {
                continue;
            }
            String cell = row.get(column).strip();
            if (integers && !cell.matches("[+-]?\\d+")) {
                integers = false;
            }
            if (numbers && !isNumber(cell)) {
                numbers = false;
            }
        }
        if (integers) {
            return cell -> cell.isEmpty() ? null : (Object) Long.parseLong(cell.strip().replace("+", ""));
        }
        if (numbers) {
            return cell -> cell.isEmpty() ? null : (Object) Double.parseDouble(cell.strip());
        }
        return cell -> cell.isEmpty() ? null : cell;
    }

    private static boolean isNumber(String cell) {
        try {
            Double.parseDouble(cell);
            return !cell.endsWith("d") && !cell.endsWith("D") && !cell.endsWith("f") && !cell.endsWith("F");
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
