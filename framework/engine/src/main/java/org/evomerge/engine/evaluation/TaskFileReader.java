package org.evomerge.engine.evaluation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.input.YamlInput;

/**
 * Reads task files:
 * <pre>
 * name: arc-easy              # optional; default: the file name without extension
 * evaluator: multiple-choice  # an evaluator extension id
 * data: arc-easy.jsonl        # optional shortcut for parameters.data; relative to this file
 * weight: 1                   # optional; weight in the combined fitness
 * parameters: {sample: 200, sample_seed: 1}
 * </pre>
 * Every error is a configuration error naming the file and the key.
 */
public final class TaskFileReader {

    private static final Set<String> KEYS = Set.of("name", "evaluator", "data", "weight", "parameters");

    private TaskFileReader() {
    }

    public static TaskDefinition read(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        String text;
        try {
            text = Files.readString(absolute, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw EvomergeException.configuration(absolute + ": no such task file");
        } catch (IOException e) {
            throw EvomergeException.configuration(absolute + ": cannot read task file: " + e.getMessage());
        }
        Object root = YamlInput.load(text, absolute);
        if (!(root instanceof Map<?, ?> map)) {
            throw error(absolute, "expected a mapping with 'evaluator' (and 'data', 'parameters')");
        }
        Map<String, Object> top = new LinkedHashMap<>();
        map.forEach((k, v) -> top.put(String.valueOf(k), v));
        for (String key : top.keySet()) {
            if (!KEYS.contains(key)) {
                throw error(absolute, "unknown key '" + key + "'; known: " + String.join(", ", new TreeSet<>(KEYS)));
            }
        }
        Object evaluator = top.get("evaluator");
        if (evaluator == null || evaluator instanceof Map<?, ?> || evaluator instanceof List<?>) {
            throw error(absolute, "'evaluator' is missing or not an id (e.g. perplexity, multiple-choice)");
        }
        String fileName = absolute.getFileName().toString();
        String name = top.get("name") == null ? fileName.replaceFirst("\\.(ya?ml)$", "") : top.get("name").toString();
        Map<String, Object> parameters = new LinkedHashMap<>();
        Object given = top.get("parameters");
        if (given instanceof Map<?, ?> p) {
            p.forEach((k, v) -> parameters.put(String.valueOf(k), v));
        } else if (given != null) {
            throw error(absolute, "'parameters' must be a mapping");
        }
        if (top.get("data") != null) {
            if (parameters.containsKey("data")) {
                throw error(absolute, "'data' is given twice (top level and parameters)");
            }
            parameters.put("data", top.get("data"));
        }
        return new TaskDefinition(name, evaluator.toString(), weight(absolute, top.get("weight")),
                top.get("weight") != null, parameters, absolute.toString(), absolute.getParent());
    }

    private static double weight(Path file, Object value) {
        if (value == null) {
            return 1;
        }
        double weight;
        try {
            weight = value instanceof Number n ? n.doubleValue() : Double.parseDouble(value.toString());
        } catch (NumberFormatException e) {
            throw error(file, "'weight' must be a positive number, got '" + value + "'");
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw error(file, "'weight' must be a positive number, got " + value);
        }
        return weight;
    }

    private static EvomergeException error(Path file, String message) {
        return EvomergeException.configuration(file + ": " + message);
    }
}
