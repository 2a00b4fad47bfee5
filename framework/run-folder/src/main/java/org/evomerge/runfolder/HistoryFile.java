package org.evomerge.runfolder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.evomerge.api.EvomergeException;

/**
 * {@code history.csv}: {@code generation,evaluations,best,mean,std,worst,elapsed_seconds}, one row per generation,
 * derived from the journal's generation lines (the one derivation: the file written during a run and the rows a
 * reader derives from the journal are the same). Written whole under a temporary name and renamed, so it is never
 * torn.
 */
public final class HistoryFile {

    /** The header line. */
    public static final String HEADER = "generation,evaluations,best,mean,std,worst,elapsed_seconds";

    static final List<String> REQUIRED = List.of("generation", "best", "mean");

    private HistoryFile() {
    }

    /** Rewrites {@code RUN_DIR/history.csv} from the run's generation lines so far. */
    public static void write(Path runDir, List<JournalRecord.Generation> generations) {
        RunFolder.writeAtomically(runDir.resolve(RunFolder.HISTORY), text(generations));
    }

    /** The file's text for these generation lines. */
    public static String text(List<JournalRecord.Generation> generations) {
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (JournalRecord.Generation g : generations) {
            csv.append(String.format(Locale.ROOT, "%d,%d,%s,%s,%s,%s,%.3f%n", g.generation(), g.evaluations(),
                    g.best(), g.mean(), g.std(), g.worst(), g.elapsed()));
        }
        return csv.toString();
    }

    /**
     * The rows the journal holds: one per generation line; for a journal without any (a run stopped inside its
     * first generation), summaries of its evaluations grouped by generation, without elapsed time.
     */
    public static List<HistoryRow> rows(Journal journal) {
        if (!journal.generations().isEmpty()) {
            return journal.generations().stream().map(HistoryRow::of).toList();
        }
        Map<Integer, List<Double>> byGeneration = new TreeMap<>();
        for (JournalRecord.Evaluation e : journal.evaluations()) {
            byGeneration.computeIfAbsent(e.generation(), g -> new ArrayList<>()).add(e.fitness().primary());
        }
        List<HistoryRow> rows = new ArrayList<>();
        long evaluations = 0;
        for (Map.Entry<Integer, List<Double>> entry : byGeneration.entrySet()) {
            List<Double> values = entry.getValue();
            evaluations += values.size();
            rows.add(new HistoryRow(entry.getKey(), evaluations,
                    values.stream().mapToDouble(Double::doubleValue).max().orElseThrow(),
                    values.stream().mapToDouble(Double::doubleValue).average().orElseThrow(), std(values),
                    values.stream().mapToDouble(Double::doubleValue).min().orElseThrow(), Double.NaN));
        }
        return List.copyOf(rows);
    }

    /** Population standard deviation. */
    static double std(List<Double> values) {
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double sum = 0;
        for (double v : values) {
            sum += (v - mean) * (v - mean);
        }
        return Math.sqrt(sum / values.size());
    }

    /**
     * The rows of a {@code history.csv}. Columns are found by header name, so added columns are ignored;
     * {@code generation}, {@code best} and {@code mean} are required.
     *
     * @throws EvomergeException (input) naming the file and line for a missing column or an unreadable row
     */
    public static List<HistoryRow> read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        String[] lines = text.split("\r?\n", -1);
        if (lines[0].isBlank()) {
            throw EvomergeException.input(file + ":1: no header (expected " + HEADER + ")", null);
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
        List<HistoryRow> rows = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String[] cells = lines[i].split(",", -1);
            try {
                rows.add(new HistoryRow((int) required(cells, columns, "generation"),
                        (long) number(cells, columns, "evaluations", -1), required(cells, columns, "best"),
                        required(cells, columns, "mean"), number(cells, columns, "std", Double.NaN),
                        number(cells, columns, "worst", Double.NaN),
                        number(cells, columns, "elapsed_seconds", Double.NaN)));
            } catch (IllegalArgumentException e) {
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
}
