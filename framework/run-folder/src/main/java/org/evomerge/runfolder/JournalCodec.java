package org.evomerge.runfolder;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.selection.Fitness;

/**
 * The JSON form of each {@link JournalRecord}: the one place that knows the keys. Lines are written with the key
 * order and number forms the journal has always had, so a run's journal reads the same whichever version wrote it.
 */
final class JournalCodec {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JournalCodec() {
    }

    /** A malformed line; the reader adds the file and line number. */
    static final class LineException extends Exception {
        LineException(String message) {
            super(message, null, false, false);
        }
    }

    /** The record as one line of JSON, without the newline. */
    static String line(JournalRecord record) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", record.type());
        switch (record) {
            case JournalRecord.Start s -> {
                line.put("version", s.version());
                line.put("seed", s.seed());
                line.put("strategy", s.strategy());
                line.put("objectives", s.objectives());
                line.put("extensions", extensions(s.extensions()));
                line.put("started", s.started());
            }
            case JournalRecord.Resume r -> {
                line.put("at", r.at());
                line.put("extensions", extensions(r.extensions()));
            }
            case JournalRecord.Evaluation e -> {
                line.put("id", e.id());
                line.put("generation", e.generation());
                line.put("genome", GenomeJson.write(e.genome()));
                line.put("parents", e.parents());
                line.put("fitness", e.fitness().objectives());
                line.put("metrics", e.metrics());
                line.put("seconds", e.seconds());
                line.put("cached", e.cached());
                if (!e.fidelity().equals("full")) {
                    line.put("fidelity", e.fidelity());
                }
            }
            case JournalRecord.Generation g -> {
                line.put("generation", g.generation());
                line.put("evaluations", g.evaluations());
                line.put("best", g.best());
                line.put("mean", g.mean());
                line.put("std", g.std());
                line.put("worst", g.worst());
                line.put("best_id", g.bestId());
                line.put("elapsed", g.elapsed());
                if (g.partial()) {
                    line.put("partial", true);
                }
            }
            case JournalRecord.Kinship k -> {
                line.put("generation", k.generation());
                line.put("ids", k.ids());
                line.put("metric", k.metric());
                List<List<Double>> rows = new ArrayList<>();
                for (List<Double> row : k.matrix()) {
                    // JSON has no NaN: a correlation left undefined by a zero task vector is null, as in `kinship`.
                    rows.add(row.stream().map(v -> Double.isFinite(v) ? v : null).toList());
                }
                line.put("matrix", rows);
            }
            case JournalRecord.Finish f -> {
                line.put("best_id", f.bestId());
                line.put("best_fitness", f.bestFitness());
                line.put("reason", f.reason());
            }
        }
        try {
            return JSON.writeValueAsString(line);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Map<String, String>> extensions(List<ExtensionVersion> extensions) {
        List<Map<String, String>> out = new ArrayList<>();
        for (ExtensionVersion e : extensions) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("kind", e.kind().id());
            m.put("id", e.id());
            m.put("version", e.version());
            out.add(m);
        }
        return out;
    }

    /** Parses one line's text into its JSON object with a text {@code type}. */
    static JsonNode parse(String text) throws LineException {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new LineException("not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new LineException("not a JSON object");
        }
        if (!node.path("type").isTextual()) {
            throw new LineException("no \"type\"");
        }
        return node;
    }

    /**
     * The record a parsed line holds. Keys a line needs to mean anything are required; the others take the value a
     * reader can show (text "", NaN, false), so a hand-trimmed journal still reads.
     */
    static JournalRecord decode(JsonNode node) throws LineException {
        String type = node.get("type").asText();
        return switch (type) {
            case "start" -> new JournalRecord.Start(node.path("version").asInt(1), requiredLong(node, "seed"),
                    node.path("strategy").asText(""), strings(node.path("objectives")),
                    extensions(node, node.path("extensions")), node.path("started").asText(""));
            case "resume" -> new JournalRecord.Resume(node.path("at").asText(""),
                    extensions(node, node.path("extensions")));
            case "evaluation" -> new JournalRecord.Evaluation(requiredText(node, "id"), requiredInt(node, "generation"),
                    genome(node), strings(node.path("parents")), fitness(node), metrics(node.path("metrics")),
                    node.path("seconds").asDouble(Double.NaN), node.path("cached").asBoolean(false),
                    node.path("fidelity").asText("full"));
            case "generation" -> new JournalRecord.Generation(requiredInt(node, "generation"),
                    node.path("evaluations").asLong(0), requiredDouble(node, "best"), requiredDouble(node, "mean"),
                    optionalDouble(node, "std"), optionalDouble(node, "worst"), node.path("best_id").asText(""),
                    optionalDouble(node, "elapsed"), node.path("partial").asBoolean(false));
            case "kinship" -> kinship(node);
            case "finish" -> new JournalRecord.Finish(node.path("best_id").asText(""),
                    boxed(doubles(node.path("best_fitness"), "best_fitness")), node.path("reason").asText(""));
            default -> throw new LineException("unknown line type \"" + type + "\" (a journal has start, resume,"
                    + " evaluation, generation, kinship and finish lines)");
        };
    }

    private static List<ExtensionVersion> extensions(JsonNode line, JsonNode array) throws LineException {
        if (array.isMissingNode()) {
            return List.of();
        }
        if (!array.isArray()) {
            throw new LineException(line.get("type").asText() + " line: \"extensions\" is not a list");
        }
        List<ExtensionVersion> out = new ArrayList<>();
        for (JsonNode e : array) {
            ExtensionKind kind = ExtensionKind.fromId(e.path("kind").asText(""));
            if (kind == null || !e.path("id").isTextual() || !e.path("version").isTextual()) {
                throw new LineException(line.get("type").asText() + " line: an \"extensions\" entry needs a known"
                        + " \"kind\", a text \"id\" and a text \"version\"");
            }
            out.add(new ExtensionVersion(kind, e.get("id").asText(), e.get("version").asText()));
        }
        return out;
    }

    private static Genome genome(JsonNode node) throws LineException {
        try {
            return GenomeJson.read(node.get("genome"));
        } catch (IllegalArgumentException e) {
            throw new LineException("evaluation line: " + e.getMessage());
        }
    }

    private static Fitness fitness(JsonNode node) throws LineException {
        double[] values = doubles(node.path("fitness"), "fitness");
        for (double v : values) {
            if (Double.isNaN(v)) {
                throw new LineException("evaluation line: \"fitness\" holds a value that is not a number");
            }
        }
        if (values.length == 0) {
            throw new LineException("evaluation line without a \"fitness\"");
        }
        return Fitness.of(values);
    }

    private static JournalRecord.Kinship kinship(JsonNode node) throws LineException {
        List<String> ids = strings(node.path("ids"));
        JsonNode rows = node.path("matrix");
        if (!rows.isArray() || rows.size() != ids.size()) {
            throw new LineException("kinship line: \"matrix\" must have one row per id (" + ids.size() + ")");
        }
        List<List<Double>> matrix = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            double[] row = doubles(rows.get(i), "matrix");
            if (row.length != ids.size()) {
                throw new LineException("kinship line: row " + (i + 1) + " of \"matrix\" has " + row.length
                        + " values, expected " + ids.size());
            }
            matrix.add(boxed(row));
        }
        return new JournalRecord.Kinship(requiredInt(node, "generation"), ids, node.path("metric").asText("pcc"),
                matrix);
    }

    /** The line's {@code field} when {@code accepts} it; otherwise the line is refused as lacking {@code what}. */
    private static JsonNode required(JsonNode node, String field, Predicate<JsonNode> accepts, String what)
            throws LineException {
        JsonNode v = node.get(field);
        if (v == null || !accepts.test(v)) {
            throw new LineException(node.get("type").asText() + " line without " + what + " \"" + field + "\"");
        }
        return v;
    }

    private static String requiredText(JsonNode node, String field) throws LineException {
        return required(node, field, JsonNode::isTextual, "a text").asText();
    }

    private static int requiredInt(JsonNode node, String field) throws LineException {
        return required(node, field, JsonNode::canConvertToInt, "an integer").asInt();
    }

    private static long requiredLong(JsonNode node, String field) throws LineException {
        return required(node, field, JsonNode::canConvertToLong, "an integer").asLong();
    }

    private static double requiredDouble(JsonNode node, String field) throws LineException {
        JsonNode v = required(node, field, n -> n.isNumber() || n.isNull(), "a number");
        return v.isNull() ? Double.NaN : v.asDouble();
    }

    private static double optionalDouble(JsonNode node, String field) throws LineException {
        JsonNode v = node.get(field);
        return v == null ? Double.NaN : requiredDouble(node, field);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(n -> out.add(n.asText()));
        }
        return out;
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

    private static List<Double> boxed(double[] values) {
        List<Double> out = new ArrayList<>();
        for (double v : values) {
            out.add(v);
        }
        return out;
    }

    /**
     * Task → metric → value. A value that is not a number (Jackson writes NaN as the text {@code "NaN"}) reads as
     * the number its text names, else NaN; a task given a bare number reads as its {@code value}.
     */
    private static Map<String, Map<String, Double>> metrics(JsonNode node) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        if (node.isObject()) {
            node.properties().forEach(task -> {
                Map<String, Double> values = new LinkedHashMap<>();
                if (task.getValue().isObject()) {
                    task.getValue().properties().forEach(m -> values.put(m.getKey(), metric(m.getValue())));
                } else if (task.getValue().isNumber()) {
                    values.put("value", task.getValue().asDouble());
                }
                out.put(task.getKey(), values);
            });
        }
        return out;
    }

    private static double metric(JsonNode value) {
        if (value.isNumber()) {
            return value.asDouble();
        }
        return value.isTextual() ? value.asDouble(Double.NaN) : Double.NaN;
    }
}
