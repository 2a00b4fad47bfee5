package org.evomerge.engine.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;

/**
 * An evolution run's {@code journal.jsonl}, read: the start line, resumptions, every evaluation, generation summary,
 * kinship snapshot and the finish line when the run ended. Lines of unknown types are skipped, so journals written
 * by newer versions still read. A last line without its newline that does not parse is a write torn by a crash and
 * is ignored, as {@code evolve --resume} does; any other unreadable line is an error naming the file and line.
 */
public record RunJournal(Path file, Start start, List<String> resumes, List<Evaluation> evaluations,
                         List<GenerationLine> generations, List<KinshipSnapshot> kinships, Optional<Finish> finish,
                         boolean tornLastLine) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The first line: how the run was started. */
    public record Start(int version, long seed, String strategy, List<String> objectives, String started) {
    }

    /**
     * One evaluated candidate.
     *
     * @param genome  the genome as parsed JSON (maps, lists, strings, numbers)
     * @param fitness higher is better; the first element is the primary objective
     * @param metrics task → metric → value
     */
    public record Evaluation(String id, int generation, Object genome, List<String> parents, double[] fitness,
                             Map<String, Map<String, Double>> metrics, double seconds, boolean cached) {

        /** The primary objective's fitness, or NaN without any. */
        public double primary() {
            return fitness.length == 0 ? Double.NaN : fitness[0];
        }
    }

    /**
     * A generation's summary line (primary objective).
     *
     * @param partial the budget ran out during this generation (the run's last one)
     */
    public record GenerationLine(int generation, long evaluations, double best, double mean, String bestId,
                                 double elapsed, boolean partial) {
    }

    /** Pairwise kinship of candidates at the end of a generation. */
    public record KinshipSnapshot(int generation, List<String> ids, String metric, double[][] matrix) {
    }

    /** The last line of a finished run. */
    public record Finish(String bestId, double[] bestFitness, String reason) {
    }

    /**
     * Reads {@code file}.
     *
     * @throws EvomergeException (input) naming the file (and line) when it is missing, not UTF-8, has no start line
     *                           or holds an unreadable line other than a torn last one
     */
    public static RunJournal read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot read the journal (" + e.getMessage() + ")", e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            // A crash can tear a multi-byte character too: decode leniently and let the torn-line rule decide.
            text = new String(bytes, StandardCharsets.UTF_8);
        }
        String[] lines = text.split("\n", -1);
        // split keeps a trailing empty string when the file ends with a newline; that is not a line.
        int count = lines.length;
        boolean complete = text.isEmpty() || text.endsWith("\n");
        if (complete) {
            count--;
        }
        Start start = null;
        List<String> resumes = new ArrayList<>();
        List<Evaluation> evaluations = new ArrayList<>();
        List<GenerationLine> generations = new ArrayList<>();
        List<KinshipSnapshot> kinships = new ArrayList<>();
        Finish finish = null;
        boolean torn = false;
        for (int i = 0; i < count; i++) {
            String line = lines[i];
            int number = i + 1;
            boolean last = i == count - 1;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
                if (node == null || !node.isObject()) {
                    throw new LineException("not a JSON object");
                }
                if (!node.path("type").isTextual()) {
                    throw new LineException("no \"type\"");
                }
            } catch (JsonProcessingException | LineException e) {
                if (last && !complete) {
                    torn = true;
                    break;
                }
                throw lineError(file, number, e instanceof LineException ? e.getMessage() : "not valid JSON");
            }
            String type = node.get("type").asText();
            if (start == null && !type.equals("start")) {
                throw lineError(file, number, "the journal must begin with a \"start\" line, found \"" + type + "\"");
            }
            try {
                switch (type) {
                    case "start" -> {
                        if (start != null) {
                            throw new LineException("a second \"start\" line");
                        }
                        start = new Start(node.path("version").asInt(1), requiredLong(node, "seed"),
                                node.path("strategy").asText(""), strings(node.path("objectives")),
                                node.path("started").asText(""));
                    }
                    case "resume" -> resumes.add(node.path("at").asText(""));
                    case "evaluation" -> evaluations.add(new Evaluation(requiredText(node, "id"),
                            requiredInt(node, "generation"), JSON.convertValue(node.path("genome"), Object.class),
                            strings(node.path("parents")), doubles(node.path("fitness"), "fitness"),
                            metrics(node.path("metrics")), node.path("seconds").asDouble(Double.NaN),
                            node.path("cached").asBoolean(false)));
                    case "generation" -> generations.add(new GenerationLine(requiredInt(node, "generation"),
                            node.path("evaluations").asLong(0), requiredDouble(node, "best"),
                            requiredDouble(node, "mean"), node.path("best_id").asText(""),
                            node.path("elapsed").asDouble(Double.NaN), node.path("partial").asBoolean(false)));
                    case "kinship" -> kinships.add(kinship(node));
                    case "finish" -> finish = new Finish(node.path("best_id").asText(""),
                            doubles(node.path("best_fitness"), "best_fitness"), node.path("reason").asText(""));
                    default -> {
                        // A line type this version does not know: skipped, see the class comment.
                    }
                }
            } catch (LineException e) {
                if (last && !complete) {
                    torn = true;
                    break;
                }
                throw lineError(file, number, e.getMessage());
            }
        }
        if (start == null) {
            throw EvomergeException.input(file + ": empty journal (no \"start\" line): the run never started", null);
        }
        return new RunJournal(file, start, List.copyOf(resumes), List.copyOf(evaluations), List.copyOf(generations),
                List.copyOf(kinships), Optional.ofNullable(finish), torn);
    }

    private static EvomergeException lineError(Path file, int line, String message) {
        return EvomergeException.input(file + ":" + line + ": " + message, null);
    }

    /** A malformed line, caught by {@link #read} to add the file and line number. */
    private static final class LineException extends Exception {
        LineException(String message) {
            super(message, null, false, false);
        }
    }

    private static String requiredText(JsonNode node, String field) throws LineException {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new LineException(node.get("type").asText() + " line without a text \"" + field + "\"");
        }
        return v.asText();
    }

    private static int requiredInt(JsonNode node, String field) throws LineException {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new LineException(node.get("type").asText() + " line without an integer \"" + field + "\"");
        }
        return v.asInt();
    }

    private static long requiredLong(JsonNode node, String field) throws LineException {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToLong()) {
            throw new LineException(node.get("type").asText() + " line without an integer \"" + field + "\"");
        }
        return v.asLong();
    }

    private static double requiredDouble(JsonNode node, String field) throws LineException {
        JsonNode v = node.get(field);
        if (v == null || !(v.isNumber() || v.isNull())) {
            throw new LineException(node.get("type").asText() + " line without a number \"" + field + "\"");
        }
        return v.isNull() ? Double.NaN : v.asDouble();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(n -> out.add(n.asText()));
        }
        return List.copyOf(out);
    }

    private static double[] doubles(JsonNode array, String field) throws LineException {
        if (array.isMissingNode() || array.isNull()) {
            return new double[0];
        }
        if (!array.isArray()) {
            throw new LineException("\"" + field + "\" is not a list of numbers");
        }
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = array.get(i);
            if (!(v.isNumber() || v.isNull())) {
                throw new LineException("\"" + field + "\" is not a list of numbers");
            }
            out[i] = v.isNull() ? Double.NaN : v.asDouble();
        }
        return out;
    }

    private static Map<String, Map<String, Double>> metrics(JsonNode node) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        if (node.isObject()) {
            node.properties().forEach(task -> {
                Map<String, Double> values = new LinkedHashMap<>();
                if (task.getValue().isObject()) {
                    task.getValue().properties().forEach(m -> values.put(m.getKey(),
                            m.getValue().isNumber() ? m.getValue().asDouble() : Double.NaN));
                } else if (task.getValue().isNumber()) {
                    values.put("value", task.getValue().asDouble());
                }
                out.put(task.getKey(), values);
            });
        }
        return out;
    }

    private static KinshipSnapshot kinship(JsonNode node) throws LineException {
        List<String> ids = strings(node.path("ids"));
        JsonNode rows = node.path("matrix");
        if (!rows.isArray() || rows.size() != ids.size()) {
            throw new LineException("kinship line: \"matrix\" must have one row per id (" + ids.size() + ")");
        }
        double[][] matrix = new double[ids.size()][];
        for (int i = 0; i < ids.size(); i++) {
            matrix[i] = doubles(rows.get(i), "matrix");
            if (matrix[i].length != ids.size()) {
                throw new LineException("kinship line: row " + (i + 1) + " of \"matrix\" has " + matrix[i].length
                        + " values, expected " + ids.size());
            }
        }
        return new KinshipSnapshot(requiredInt(node, "generation"), ids, node.path("metric").asText("pcc"), matrix);
    }
}
