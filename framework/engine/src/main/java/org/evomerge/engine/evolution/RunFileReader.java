package org.evomerge.engine.evolution;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.evomerge.api.EvomergeException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads an evolution run file (YAML). Every problem is a configuration error naming the file and the key: unknown
 * keys, missing keys, values of the wrong type or out of range. Extension ids and their parameters are checked
 * later, against the installed extensions ({@link EvolutionSetup}).
 */
public final class RunFileReader {

    private static final Set<String> TOP = Set.of("models", "base_model", "genome", "strategy", "selection",
            "mutation", "evaluators", "objectives", "budget", "seed", "workers", "multi_fidelity",
            "kinship", "execution");
    private static final Set<String> GENOME = Set.of("kind", "merge_method", "layer_groups", "filters", "parameters",
            "bounds", "init", "smooth", "allow_negative_weights", "method_parameters", "dtype", "repeats",
            "scale_bounds");
    private static final Set<String> EXTENSION = Set.of("id", "parameters");
    private static final Set<String> TASK = Set.of("name", "evaluator", "data", "parameters", "weight", "task");
    private static final Set<String> TASK_FILE = Set.of("name", "evaluator", "data", "parameters", "weight");
    private static final Set<String> BUDGET = Set.of("evaluations", "time", "target_fitness");
    private static final Set<String> KINSHIP = Set.of("metric", "top", "every", "stop_above");
    private static final Set<String> FIDELITY = Set.of("sample", "keep", "sample_seed");
    private static final Pattern DURATION = Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(s|m|h|d)?\\s*");

    private RunFileReader() {
    }

    public static RunFile read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw EvomergeException.configuration(file + ": cannot read the run file: " + e.getMessage());
        }
        return parse(text, file);
    }

    /** Parses {@code text}; relative paths are resolved against {@code file}'s folder. */
    public static RunFile parse(String text, Path file) {
        Path folder = file.toAbsolutePath().getParent();
        Map<String, Object> top = mapping(file, load(text, file), "the run file");
        checkKeys(file, top, TOP, "");

        List<Path> models = new ArrayList<>();
        List<Object> modelEntries = list(file, require(file, top, "models", ""), "models");
        for (int i = 0; i < modelEntries.size(); i++) {
            models.add(folder.resolve(text(file, modelEntries.get(i), "models[" + i + "]")).normalize());
        }
        if (models.isEmpty()) {
            throw error(file, "'models' is empty");
        }
        if (new LinkedHashSet<>(models).size() != models.size()) {
            throw error(file, "'models' names the same model twice");
        }
        Optional<Path> base = Optional.ofNullable(top.get("base_model"))
                .map(v -> folder.resolve(text(file, v, "base_model")).normalize());

        RunFile.GenomeSettings genome = genome(file, mapping(file, require(file, top, "genome", ""), "genome"));
        RunFile.ExtensionChoice strategy = extension(file, top.get("strategy"), "strategy")
                .orElseThrow(() -> error(file, "'strategy' is missing"));
        Optional<RunFile.ExtensionChoice> selection = extension(file, top.get("selection"), "selection");
        Optional<RunFile.ExtensionChoice> mutation = extension(file, top.get("mutation"), "mutation");

        List<RunFile.Task> tasks = new ArrayList<>();
        List<Object> entries = list(file, require(file, top, "evaluators", ""), "evaluators");
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            RunFile.Task task = task(file, folder, mapping(file, entries.get(i), "evaluators[" + i + "]"),
                    "evaluators[" + i + "]");
            if (!names.add(task.name())) {
                throw error(file, "'evaluators[" + i + "].name': task name '" + task.name() + "' is used twice");
            }
            tasks.add(task);
        }
        if (tasks.isEmpty()) {
            throw error(file, "'evaluators' is empty: a run needs at least one task to score candidates");
        }
        RunFile.ObjectiveMode objectives = switch (Optional.ofNullable(top.get("objectives"))
                .map(v -> text(file, v, "objectives")).orElse("weighted")) {
            case "weighted" -> RunFile.ObjectiveMode.WEIGHTED;
            case "separate" -> RunFile.ObjectiveMode.SEPARATE;
            default -> throw error(file, "'objectives' must be 'weighted' or 'separate', got '" + top.get("objectives")
                    + "'");
        };
        RunFile.Budget budget = budget(file, top.get("budget") == null ? Map.of()
                : mapping(file, top.get("budget"), "budget"));
        OptionalLong seed = top.containsKey("seed")
                ? OptionalLong.of(integer(file, top.get("seed"), "seed", Long.MIN_VALUE)) : OptionalLong.empty();
        int workers = top.containsKey("workers") ? (int) integer(file, top.get("workers"), "workers", 1) : 1;
        Optional<RunFile.MultiFidelity> fidelity = top.get("multi_fidelity") == null ? Optional.empty()
                : Optional.of(fidelity(file, mapping(file, top.get("multi_fidelity"), "multi_fidelity")));
        Optional<RunFile.Kinship> kinship = top.get("kinship") == null ? Optional.empty()
                : Optional.of(kinship(file, mapping(file, top.get("kinship"), "kinship")));
        return new RunFile(file.toAbsolutePath(), text, models, base, genome, strategy, selection, mutation, tasks,
                objectives, budget, seed, workers, fidelity, kinship, extension(file, top.get("execution"), "execution"));
    }

    private static RunFile.Kinship kinship(Path file, Map<String, Object> m) {
        checkKeys(file, m, KINSHIP, "kinship.");
        String metric = m.containsKey("metric") ? text(file, m.get("metric"), "kinship.metric") : "pcc";
        if (!Set.of("pcc", "cosine", "euclidean").contains(metric)) {
            throw error(file, "'kinship.metric' must be pcc, cosine or euclidean, got '" + metric + "'");
        }
        int top = m.containsKey("top") ? (int) integer(file, m.get("top"), "kinship.top", 2) : 3;
        int every = m.containsKey("every") ? (int) integer(file, m.get("every"), "kinship.every", 1) : 1;
        OptionalDouble stop = m.containsKey("stop_above")
                ? OptionalDouble.of(number(file, m.get("stop_above"), "kinship.stop_above")) : OptionalDouble.empty();
        return new RunFile.Kinship(metric, top, every, stop);
    }

    private static RunFile.GenomeSettings genome(Path file, Map<String, Object> g) {
        checkKeys(file, g, GENOME, "genome.");
        String kindText = text(file, require(file, g, "kind", "genome."), "genome.kind");
        RunFile.GenomeKind kind = null;
        for (RunFile.GenomeKind k : RunFile.GenomeKind.values()) {
            if (k.id().equals(kindText)) {
                kind = k;
            }
        }
        if (kind == null) {
            throw error(file, "'genome.kind' must be recipe, layer-path or model, got '" + kindText + "'");
        }
        String method = g.containsKey("merge_method") ? text(file, g.get("merge_method"), "genome.merge_method")
                : kind == RunFile.GenomeKind.LAYER_PATH ? "passthrough" : null;
        if (method == null) {
            throw error(file, "'genome.merge_method' is missing (the " + (kind == RunFile.GenomeKind.MODEL
                    ? "crossover" : "evolved") + " merge method)");
        }
        int groups = g.containsKey("layer_groups") ? (int) integer(file, g.get("layer_groups"), "genome.layer_groups", 1)
                : 1;
        List<String> filters = new ArrayList<>();
        if (g.containsKey("filters")) {
            List<Object> raw = list(file, g.get("filters"), "genome.filters");
            for (int i = 0; i < raw.size(); i++) {
                filters.add(text(file, raw.get(i), "genome.filters[" + i + "]"));
            }
        }
        List<String> parameters = new ArrayList<>();
        if (g.containsKey("parameters")) {
            List<Object> raw = list(file, g.get("parameters"), "genome.parameters");
            for (int i = 0; i < raw.size(); i++) {
                parameters.add(text(file, raw.get(i), "genome.parameters[" + i + "]"));
            }
        }
        Map<String, double[]> bounds = new LinkedHashMap<>();
        if (g.containsKey("bounds")) {
            for (Map.Entry<String, Object> e : mapping(file, g.get("bounds"), "genome.bounds").entrySet()) {
                bounds.put(e.getKey(), pair(file, e.getValue(), "genome.bounds." + e.getKey()));
            }
        }
        String init = "mergekit";
        Map<String, Double> initValues = new LinkedHashMap<>();
        if (g.get("init") instanceof Map<?, ?>) {
            // explicit starting values, e.g. {weight: 1.0, density: 0.5}: the search starts at that recipe
            init = "values";
            for (Map.Entry<String, Object> e : mapping(file, g.get("init"), "genome.init").entrySet()) {
                initValues.put(e.getKey(), number(file, e.getValue(), "genome.init." + e.getKey()));
            }
            if (initValues.isEmpty()) {
                throw error(file, "'genome.init' names no parameter; give e.g. {weight: 1.0, density: 0.5}");
            }
        } else if (g.containsKey("init")) {
            init = text(file, g.get("init"), "genome.init");
            if (!Set.of("mergekit", "center", "random").contains(init)) {
                throw error(file, "'genome.init' must be mergekit, center, random or a mapping of starting values,"
                        + " got '" + init + "'");
            }
        }
        boolean smooth = bool(file, g.getOrDefault("smooth", false), "genome.smooth");
        boolean negative = bool(file, g.getOrDefault("allow_negative_weights", false), "genome.allow_negative_weights");
        Map<String, Object> methodParameters = g.containsKey("method_parameters")
                ? mapping(file, g.get("method_parameters"), "genome.method_parameters") : Map.of();
        String storage = g.containsKey("dtype") ? text(file, g.get("dtype"), "genome.dtype") : "bfloat16";
        storage = switch (storage) {
            case "bfloat16", "bf16" -> "bfloat16";
            case "float32", "float", "fp32" -> "float32";
            default -> throw error(file, "'genome.dtype' must be bfloat16 or float32, got '" + storage + "'");
        };
        int repeats = g.containsKey("repeats") ? (int) integer(file, g.get("repeats"), "genome.repeats", 1) : 1;
        double[] scaleBounds = g.containsKey("scale_bounds") ? pair(file, g.get("scale_bounds"), "genome.scale_bounds")
                : new double[] {0.5, 1.5};
        return new RunFile.GenomeSettings(kind, method, groups, filters, parameters, bounds, init, initValues, smooth, negative,
                methodParameters, storage, repeats, scaleBounds);
    }

    private static Optional<RunFile.ExtensionChoice> extension(Path file, Object value, String key) {
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof Map<?, ?>)) {
            return Optional.of(new RunFile.ExtensionChoice(text(file, value, key), Map.of(), key));
        }
        Map<String, Object> m = mapping(file, value, key);
        checkKeys(file, m, EXTENSION, key + ".");
        String id = text(file, require(file, m, "id", key + "."), key + ".id");
        Map<String, Object> parameters = m.get("parameters") == null ? Map.of()
                : mapping(file, m.get("parameters"), key + ".parameters");
        return Optional.of(new RunFile.ExtensionChoice(id, parameters, key));
    }

    private static RunFile.Task task(Path file, Path folder, Map<String, Object> entry, String key) {
        checkKeys(file, entry, TASK, key + ".");
        if (entry.containsKey("task")) {
            if (entry.size() != 1) {
                throw error(file, "'" + key + "' names a task file, so it takes no other keys");
            }
            Path taskFile = folder.resolve(text(file, entry.get("task"), key + ".task")).normalize();
            String taskText;
            try {
                taskText = Files.readString(taskFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw error(file, "'" + key + ".task': cannot read " + taskFile + ": " + e.getMessage());
            }
            Map<String, Object> inner = mapping(taskFile, load(taskText, taskFile), "the task file");
            checkKeys(taskFile, inner, TASK_FILE, "");
            return taskEntry(taskFile, taskFile.toAbsolutePath().getParent(), inner, "");
        }
        return taskEntry(file, folder, entry, key + ".");
    }

    private static RunFile.Task taskEntry(Path file, Path folder, Map<String, Object> entry, String prefix) {
        String name = text(file, require(file, entry, "name", prefix), prefix + "name");
        String evaluator = text(file, require(file, entry, "evaluator", prefix), prefix + "evaluator");
        Optional<Path> data = Optional.ofNullable(entry.get("data"))
                .map(v -> folder.resolve(text(file, v, prefix + "data")).normalize());
        Map<String, Object> parameters = entry.get("parameters") == null ? Map.of()
                : mapping(file, entry.get("parameters"), prefix + "parameters");
        double weight = entry.containsKey("weight") ? number(file, entry.get("weight"), prefix + "weight") : 1.0;
        String where = prefix.isEmpty() ? file.toString() : file + ": '" + prefix.substring(0, prefix.length() - 1) + "'";
        return new RunFile.Task(name, evaluator, data, parameters, weight, entry.containsKey("weight"), where);
    }

    private static RunFile.Budget budget(Path file, Map<String, Object> b) {
        checkKeys(file, b, BUDGET, "budget.");
        OptionalLong evaluations = b.containsKey("evaluations")
                ? OptionalLong.of(integer(file, b.get("evaluations"), "budget.evaluations", 1)) : OptionalLong.empty();
        OptionalDouble seconds = b.containsKey("time") ? OptionalDouble.of(duration(file, b.get("time"))) : OptionalDouble.empty();
        OptionalDouble target = b.containsKey("target_fitness")
                ? OptionalDouble.of(number(file, b.get("target_fitness"), "budget.target_fitness")) : OptionalDouble.empty();
        if (evaluations.isEmpty() && seconds.isEmpty() && target.isEmpty()) {
            // A strategy that never finishes would otherwise run forever.
            throw error(file, "'budget' needs at least one of evaluations, time, target_fitness");
        }
        return new RunFile.Budget(evaluations, seconds, target);
    }

    private static RunFile.MultiFidelity fidelity(Path file, Map<String, Object> m) {
        checkKeys(file, m, FIDELITY, "multi_fidelity.");
        double sample = number(file, require(file, m, "sample", "multi_fidelity."), "multi_fidelity.sample");
        if (!(sample > 0) || (sample > 1 && sample != Math.rint(sample))) {
            throw error(file, "'multi_fidelity.sample' must be a fraction in (0, 1) or a whole count, got " + sample);
        }
        double keep = m.containsKey("keep") ? number(file, m.get("keep"), "multi_fidelity.keep") : 0.5;
        if (!(keep > 0 && keep <= 1)) {
            throw error(file, "'multi_fidelity.keep' must be in (0, 1], got " + keep);
        }
        long seed = m.containsKey("sample_seed") ? integer(file, m.get("sample_seed"), "multi_fidelity.sample_seed",
                Long.MIN_VALUE) : 0;
        return new RunFile.MultiFidelity(sample, keep, seed);
    }

    static double duration(Path file, Object value) {
        if (value instanceof Number n && n.doubleValue() > 0) {
            return n.doubleValue();
        }
        Matcher m = DURATION.matcher(String.valueOf(value).toLowerCase(Locale.ROOT));
        if (!m.matches() || !(Double.parseDouble(m.group(1)) > 0)) {
            throw error(file, "'budget.time' must be a positive duration such as 90s, 30m, 2h or 1d, got '" + value + "'");
        }
        double unit = switch (m.group(2) == null ? "s" : m.group(2)) {
            case "m" -> 60;
            case "h" -> 3600;
            case "d" -> 86400;
            default -> 1;
        };
        return Double.parseDouble(m.group(1)) * unit;
    }

    private static Object load(String text, Path file) {
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            return new Yaml(new SafeConstructor(options)).load(text);
        } catch (YAMLException e) {
            throw error(file, "not valid YAML: " + e.getMessage().lines().findFirst().orElse("").strip());
        }
    }

    private static Object require(Path file, Map<String, Object> map, String key, String prefix) {
        Object value = map.get(key);
        if (value == null) {
            throw error(file, "'" + prefix + key + "' is missing");
        }
        return value;
    }

    private static void checkKeys(Path file, Map<String, Object> map, Set<String> allowed, String prefix) {
        for (String key : map.keySet()) {
            if (!allowed.contains(key)) {
                throw error(file, "unknown key '" + prefix + key + "'; known" + (prefix.isEmpty() ? "" : " in '"
                        + prefix.substring(0, prefix.length() - 1) + "'") + ": " + String.join(", ", new TreeSet<>(allowed)));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> mapping(Path file, Object value, String where) {
        if (!(value instanceof Map<?, ?> map)) {
            throw error(file, "'" + where + "' must be a mapping, got " + (value == null ? "nothing" : value));
        }
        for (Object key : map.keySet()) {
            if (!(key instanceof String)) {
                throw error(file, "'" + where + "' has a non-text key " + key);
            }
        }
        return (Map<String, Object>) map;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Path file, Object value, String where) {
        if (!(value instanceof List<?> list)) {
            throw error(file, "'" + where + "' must be a list, got " + (value == null ? "nothing" : value));
        }
        return (List<Object>) list;
    }

    private static String text(Path file, Object value, String key) {
        if (value == null || value instanceof Map<?, ?> || value instanceof List<?>) {
            throw error(file, "'" + key + "' must be text, got " + (value == null ? "nothing" : value));
        }
        return value.toString();
    }

    private static double number(Path file, Object value, String key) {
        if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw error(file, "'" + key + "' must be a number, got " + value);
        }
        return n.doubleValue();
    }

    private static long integer(Path file, Object value, String key, long min) {
        if (!(value instanceof Integer || value instanceof Long || value instanceof java.math.BigInteger)) {
            throw error(file, "'" + key + "' must be a whole number, got " + value);
        }
        long v;
        try {
            v = value instanceof java.math.BigInteger b ? b.longValueExact() : ((Number) value).longValue();
        } catch (ArithmeticException e) {
            throw error(file, "'" + key + "' is too large: " + value);
        }
        if (v < min) {
            throw error(file, "'" + key + "' must be at least " + min + ", got " + v);
        }
        return v;
    }

    private static boolean bool(Path file, Object value, String key) {
        if (!(value instanceof Boolean b)) {
            throw error(file, "'" + key + "' must be true or false, got " + value);
        }
        return b;
    }

    private static double[] pair(Path file, Object value, String key) {
        List<Object> l = list(file, value, key);
        if (l.size() != 2) {
            throw error(file, "'" + key + "' must be [lower, upper], got " + value);
        }
        double lo = number(file, l.get(0), key + "[0]");
        double hi = number(file, l.get(1), key + "[1]");
        if (!(lo <= hi)) {
            throw error(file, "'" + key + "' needs lower <= upper, got " + value);
        }
        return new double[] {lo, hi};
    }

    static EvomergeException error(Path file, String message) {
        return EvomergeException.configuration(file + ": " + message);
    }
}
