package org.evomerge.engine.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.evomerge.api.EvomergeException;

/**
 * Reads a run's {@code history.csv} ({@code generation,evaluations,best,mean,std,worst,elapsed_seconds}, one row per
 * generation) and derives the same rows from the journal when the file is absent. Columns are found by header name,
 * so added columns are ignored.
 */
public final class HistoryTable {

    static final List<String> REQUIRED = List.of("generation", "best", "mean");

    private HistoryTable() {
    }

    /**
     * The rows of {@code file}; a last row without its newline that does not parse is a torn write and is ignored.
     *
     * @throws EvomergeException (input) naming the file and line for a missing column or an unreadable row
     */
    public static List<GenerationRow> read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        String[] lines = text.split("\r?\n", -1);
        boolean complete = text.endsWith("\n");
        int count = complete ? lines.length - 1 : lines.length;
        if (count == 0 || lines[0].isBlank()) {
            throw EvomergeException.input(file + ":1: no header (expected generation,evaluations,best,mean,std,"
                    + "worst,elapsed_seconds)", null);
        }
        Map<String, Integer> columns = new HashMap<>();
        String[] header = lines[0].split(",", -1);
        for (int c = 0; c < header.length; c++) {
            columns.put(header[c].strip(), c);
        }
        for (String required : REQUIRED) {
            if (!columns.containsKey(required)) {
                throw EvomergeException.input(file + ":1: no column '" + required + "' in the header", null);
            }
        }
        List<GenerationRow> rows = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String[] cells = lines[i].split(",", -1);
            try {
                rows.add(new GenerationRow((int) required(cells, columns, "generation"),
                        (long) number(cells, columns, "evaluations", -1), required(cells, columns, "best"),
                        required(cells, columns, "mean"), number(cells, columns, "std", Double.NaN),
                        number(cells, columns, "worst", Double.NaN),
                        number(cells, columns, "elapsed_seconds", Double.NaN)));
            } catch (IllegalArgumentException e) {
                if (i == count - 1 && !complete) {
                    break;
                }
                throw EvomergeException.input(file + ":" + (i + 1) + ": " + e.getMessage(), null);
            }
        }
        return List.copyOf(rows);
    }

    private static double required(String[] cells, Map<String, Integer> columns, String name) {
        Integer at = columns.get(name);
        if (at >= cells.length || cells[at].isBlank()) {
            throw new IllegalArgumentException("no value for '" + name + "'");
        }
        return parse(cells[at], name);
    }

    private static double number(String[] cells, Map<String, Integer> columns, String name, double absent) {
        Integer at = columns.get(name);
        if (at == null || at >= cells.length || cells[at].isBlank()) {
            return absent;
        }
        return parse(cells[at], name);
    }

    private static double parse(String cell, String name) {
        try {
            return Double.parseDouble(cell.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + name + "' is not a number: '" + cell.strip() + "'");
        }
    }

    /**
     * Rows from the journal: its generation lines when there are any (with std and worst from the evaluations of
     * that generation), else summaries of the evaluations grouped by generation.
     */
    public static List<GenerationRow> fromJournal(RunJournal journal) {
        Map<Integer, List<Double>> byGeneration = new TreeMap<>();
        for (RunJournal.Evaluation e : journal.evaluations()) {
            if (!Double.isNaN(e.primary())) {
                byGeneration.computeIfAbsent(e.generation(), g -> new ArrayList<>()).add(e.primary());
            }
        }
        List<GenerationRow> rows = new ArrayList<>();
        if (!journal.generations().isEmpty()) {
            for (RunJournal.GenerationLine g : journal.generations()) {
                List<Double> values = byGeneration.getOrDefault(g.generation(), List.of());
                rows.add(new GenerationRow(g.generation(), g.evaluations(), g.best(), g.mean(), std(values),
                        values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN), g.elapsed()));
            }
            return List.copyOf(rows);
        }
        long evaluations = 0;
        for (Map.Entry<Integer, List<Double>> entry : byGeneration.entrySet()) {
            List<Double> values = entry.getValue();
            evaluations += values.size();
            rows.add(new GenerationRow(entry.getKey(), evaluations,
                    values.stream().mapToDouble(Double::doubleValue).max().orElseThrow(),
                    values.stream().mapToDouble(Double::doubleValue).average().orElseThrow(), std(values),
                    values.stream().mapToDouble(Double::doubleValue).min().orElseThrow(), Double.NaN));
        }
        return List.copyOf(rows);
    }

    /** Population standard deviation; NaN for no values. */
    static double std(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double sum = 0;
        for (double v : values) {
            sum += (v - mean) * (v - mean);
        }
        return Math.sqrt(sum / values.size());
    }
}
