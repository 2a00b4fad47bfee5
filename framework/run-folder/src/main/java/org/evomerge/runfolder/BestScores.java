package org.evomerge.runfolder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.evomerge.api.EvomergeException;

/**
 * {@code best-scores.json}: the run's best model scored after the run on task files the search did not see (the
 * demo scores it on every dev and test split), with each item's score, so the report can give every score its
 * interval. Whoever scores {@code best/} writes it; a run folder without it (every run folder written before it
 * existed, and runs nobody scored afterwards) is reported from the journal alone. It names the candidate it scored:
 * after a resumed run found a better one, the report says the file is stale instead of showing it.
 *
 * <pre>
 * {"format": 1, "best_id": "g12-3",
 *  "tasks": [{"name": "arithmetic-test", "score": 0.41, "items": [1.0, 0.0, ...]}, ...]}
 * </pre>
 *
 * @param bestId the journal id of the candidate {@code best/} held when it was scored
 * @param tasks  per task file, in the order scored
 */
public record BestScores(String bestId, List<TaskScores> tasks) {

    /** The file's name in the run folder. */
    public static final String FILE = "best-scores.json";

    /** The format this version writes and reads. */
    public static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    public BestScores {
        Objects.requireNonNull(bestId, "bestId");
        tasks = List.copyOf(tasks);
    }

    /**
     * One task file's score.
     *
     * @param name  the task's name
     * @param score the task's score (the evaluator's fitness value)
     * @param items each item's score in the order scored; empty when the evaluator does not report them
     */
    public record TaskScores(String name, double score, List<Double> items) {

        public TaskScores {
            Objects.requireNonNull(name, "name");
            items = List.copyOf(items);
        }
    }

    /** The file of {@code runDir}, or empty when there is none. */
    public static Optional<BestScores> read(Path runDir) {
        Path file = runDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw EvomergeException.input(file + ": not JSON (" + e.getMessage().lines().findFirst().orElse("")
                    + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw EvomergeException.input(file + ": expected a JSON object", null);
        }
        int format = root.path("format").asInt(-1);
        if (format != FORMAT) {
            throw EvomergeException.input(file + ": format " + root.path("format") + " is not one this version reads ("
                    + FORMAT + ")", null);
        }
        String bestId = text(root, "best_id", file, "");
        JsonNode tasks = root.path("tasks");
        if (!tasks.isArray()) {
            throw EvomergeException.input(file + ": \"tasks\" must be a list", null);
        }
        List<TaskScores> scores = new ArrayList<>();
        for (int t = 0; t < tasks.size(); t++) {
            JsonNode task = tasks.get(t);
            String where = "tasks[" + t + "]";
            String name = text(task, "name", file, where + ".");
            JsonNode score = task.path("score");
            if (!score.isNumber()) {
                throw EvomergeException.input(file + ": " + where + ".score must be a number", null);
            }
            List<Double> items = new ArrayList<>();
            JsonNode values = task.path("items");
            if (!values.isMissingNode()) {
                if (!values.isArray()) {
                    throw EvomergeException.input(file + ": " + where + ".items must be a list of numbers", null);
                }
                for (int i = 0; i < values.size(); i++) {
                    if (!values.get(i).isNumber()) {
                        throw EvomergeException.input(file + ": " + where + ".items[" + i + "] must be a number",
                                null);
                    }
                    items.add(values.get(i).asDouble());
                }
            }
            scores.add(new TaskScores(name, score.asDouble(), items));
        }
        return Optional.of(new BestScores(bestId, scores));
    }

    /** Writes the file into {@code runDir} under a temporary name, then renames it. */
    public void write(Path runDir) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("best_id", bestId);
        ArrayNode list = root.putArray("tasks");
        for (TaskScores task : tasks) {
            ObjectNode entry = list.addObject();
            entry.put("name", task.name());
            entry.put("score", task.score());
            ArrayNode items = entry.putArray("items");
            task.items().forEach(items::add);
        }
        RunFolder.writeAtomically(runDir.resolve(FILE), root.toString() + "\n");
    }

    private static String text(JsonNode node, String key, Path file, String where) {
        JsonNode value = node.path(key);
        if (!value.isTextual()) {
            throw EvomergeException.input(file + ": " + where + key + " must be a string", null);
        }
        return value.asText();
    }
}
