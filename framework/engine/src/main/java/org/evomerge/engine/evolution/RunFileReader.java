package org.evomerge.engine.evolution;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.evomerge.engine.evaluation.TaskDefinition;
import org.evomerge.engine.evaluation.TaskReferences;
import org.evomerge.engine.evaluation.lmeval.LmEvalTasks;
import org.evomerge.engine.evolution.genome.LayerPathSpace;
import org.evomerge.engine.input.PathInput;
import org.evomerge.engine.lora.LoraReference;
import org.evomerge.engine.model.HubCacheModels;
import org.evomerge.engine.input.YamlInput;
import org.evomerge.runfolder.RunFolder;

/**
 * Reads an evolution run file (YAML). Every problem is a configuration error naming the file, the line and the key
 * ({@code FILE:LINE:COLUMN: 'key' ...}): unknown keys, missing keys, values of the wrong type or out of range (whole
 * numbers held in an {@code int} are checked against its range, never cut to it). Extension ids and their parameters
 * are checked later, against the installed extensions ({@link EvolutionJob}).
 */
public final class RunFileReader {

    private static final Set<String> TOP = Set.of("models", "base_model", "genome", "strategy", "selection",
            "mutation", "evaluators", "objectives", "budget", "seed", "workers", "multi_fidelity",
            "kinship", "execution", "subset_estimate");
    private static final Set<String> GENOME = Set.of("kind", "merge_method", "layer_groups", "filters", "parameters",
            "bounds", "init", "smooth", "allow_negative_weights", "method_parameters", "dtype", "repeats",
            "scale_bounds", "scaling");
    /** The keys a stage may set over the file's. */
    private static final Set<String> STAGE = Set.of("name", "models", "base_model", "genome", "strategy",
            "selection", "mutation", "budget", "multi_fidelity", "kinship");
    private static final Pattern STAGE_NAME = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Set<String> EXTENSION = Set.of("id", "parameters");
    private static final Set<String> TASK = Set.of("name", "evaluator", "data", "parameters", "weight", "task");
    private static final Set<String> TASK_FILE = Set.of("name", "evaluator", "data", "parameters", "weight");
    private static final Set<String> BUDGET = Set.of("evaluations", "time", "target_fitness");
    private static final Set<String> KINSHIP = Set.of("metric", "top", "every", "stop_above");
    private static final Set<String> FIDELITY = Set.of("sample", "keep", "sample_seed");
    private static final Set<String> SUBSET = Set.of("fraction", "anchors", "seed", "estimator", "refit_every",
            "refit_candidates");
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
        Document d = new Document(file, text);
        Map<String, Object> top = d.mapping(load(text, file), "", "the run file");
        if (top.containsKey("stages")) {
            return staged(d, top, folder);
        }
        d.checkKeys(top, TOP, "");
        return runFile(d, top, folder, Optional.empty(), Map.of());
    }

    /**
     * A file with {@code stages}: each stage is the file's top-level keys with the stage's keys over them (a key the
     * stage sets replaces the file's whole), read as a run file of its own; a stage's models may name an earlier
     * stage's best model. The result reads as the first stage, with every stage in {@link RunFile#stages()}.
     */
    private static RunFile staged(Document d, Map<String, Object> top, Path folder) {
        Set<String> allowed = new LinkedHashSet<>(TOP);
        allowed.add("stages");
        d.checkKeys(top, allowed, "");
        if (top.containsKey("execution")) {
            throw d.error("execution", "'execution': a run file with stages evaluates on the local worker pool");
        }
        if (top.containsKey("subset_estimate")) {
            throw d.error("subset_estimate", "'subset_estimate': a run file with stages scores candidates in full");
        }
        List<Object> entries = d.list(top.get("stages"), "stages");
        if (entries.isEmpty()) {
            throw d.error("stages", "'stages' is empty");
        }
        Map<String, Integer> earlier = new LinkedHashMap<>();
        List<RunFile> stages = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String key = "stages[" + i + "]";
            Map<String, Object> entry = d.mapping(entries.get(i), key, key);
            d.checkKeys(entry, STAGE, key + ".");
            String name = d.text(d.require(entry, "name", key + "."), key + ".name");
            if (!STAGE_NAME.matcher(name).matches()) {
                throw d.error(key + ".name", "'" + key + ".name' must be letters, digits, '_' or '-', got '" + name
                        + "'");
            }
            if (earlier.containsKey(name)) {
                throw d.error(key + ".name", "'" + key + ".name': stage name '" + name + "' is used twice");
            }
            Map<String, Object> merged = new LinkedHashMap<>(top);
            merged.remove("stages");
            Set<String> keys = new LinkedHashSet<>(entry.keySet());
            keys.remove("name");
            keys.forEach(k -> merged.put(k, entry.get(k)));
            stages.add(runFile(d.inStage(i, keys), merged, folder,
                    Optional.of(new RunFile.Stage(i + 1, name, keys, Map.of())), earlier));
            earlier.put(name, i + 1);
        }
        RunFile first = stages.getFirst();
        return new RunFile(first.file(), first.text(), first.models(), first.baseModel(), first.genome(),
                first.strategy(), first.selection(), first.mutation(), first.tasks(), first.objectives(),
                first.budget(), first.seed(), first.workers(), first.multiFidelity(), first.kinship(),
                first.execution(), first.stage(), stages);
    }

    /**
     * The run file (or stage) of the mapping {@code top}.
     *
     * @param stage   the stage it is, its {@code fromStages} filled in here
     * @param earlier the stages before it, by name, with their numbers
     */
    private static RunFile runFile(Document d, Map<String, Object> top, Path folder, Optional<RunFile.Stage> stage,
                                   Map<String, Integer> earlier) {
        Path file = d.file;
        String text = d.text;
        List<Path> models = new ArrayList<>();
        Map<Integer, Integer> fromStages = new LinkedHashMap<>();
        List<Object> modelEntries = d.list(d.require(top, "models", ""), "models");
        for (int i = 0; i < modelEntries.size(); i++) {
            String key = "models[" + i + "]";
            if (modelEntries.get(i) instanceof Map<?, ?>) {
                Map<String, Object> reference = d.mapping(modelEntries.get(i), key, key);
                d.checkKeys(reference, Set.of("stage"), key + ".");
                String name = d.text(d.require(reference, "stage", key + "."), key + ".stage");
                Integer number = earlier.get(name);
                if (number == null) {
                    throw d.error(key + ".stage", "'" + key + ".stage' names '" + name + "', which is not an earlier"
                            + " stage" + (stage.isEmpty() ? " (the run file has no stages)" : earlier.isEmpty()
                            ? " (this is the first stage)" : " (earlier: " + String.join(", ", earlier.keySet())
                            + ")"));
                }
                models.add(RunFolder.stagePath(number, name).resolve(RunFolder.BEST));
                fromStages.put(i, number);
            } else {
                models.add(d.model(folder, modelEntries.get(i), key));
            }
        }
        if (models.isEmpty()) {
            throw d.error("models", "'models' is empty");
        }
        if (new LinkedHashSet<>(models).size() != models.size()) {
            throw d.error("models", "'models' names the same model twice");
        }
        Optional<Path> base = Optional.ofNullable(top.get("base_model"))
                .map(v -> d.model(folder, v, "base_model"));

        RunFile.GenomeSettings genome = genome(d, d.mapping(d.require(top, "genome", ""), "genome", "genome"));
        RunFile.ExtensionChoice strategy = extension(d, top.get("strategy"), "strategy")
                .orElseThrow(() -> d.error("", "'strategy' is missing"));
        Optional<RunFile.ExtensionChoice> selection = extension(d, top.get("selection"), "selection");
        Optional<RunFile.ExtensionChoice> mutation = extension(d, top.get("mutation"), "mutation");

        List<RunFile.Task> tasks = new ArrayList<>();
        List<Object> entries = d.list(d.require(top, "evaluators", ""), "evaluators");
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            String key = "evaluators[" + i + "]";
            RunFile.Task task = task(d, folder, d.mapping(entries.get(i), key, key), key);
            if (!names.add(task.name())) {
                throw d.error(key, "'" + key + ".name': task name '" + task.name() + "' is used twice");
            }
            tasks.add(task);
        }
        if (tasks.isEmpty()) {
            throw d.error("evaluators", "'evaluators' is empty: a run needs at least one task to score candidates");
        }
        RunFile.ObjectiveMode objectives = switch (Optional.ofNullable(top.get("objectives"))
                .map(v -> d.text(v, "objectives")).orElse("weighted")) {
            case "weighted" -> RunFile.ObjectiveMode.WEIGHTED;
            case "separate" -> RunFile.ObjectiveMode.SEPARATE;
            default -> throw d.error("objectives", "'objectives' must be 'weighted' or 'separate', got '"
                    + top.get("objectives") + "'");
        };
        RunFile.Budget budget = budget(d, top.get("budget") == null ? Map.of()
                : d.mapping(top.get("budget"), "budget", "budget"));
        OptionalLong seed = top.containsKey("seed")
                ? OptionalLong.of(d.integer(top.get("seed"), "seed", Long.MIN_VALUE, Long.MAX_VALUE))
                : OptionalLong.empty();
        int workers = top.containsKey("workers") ? d.wholeCount(top.get("workers"), "workers", 1) : 1;
        Optional<RunFile.MultiFidelity> fidelity = top.get("multi_fidelity") == null ? Optional.empty()
                : Optional.of(fidelity(d, d.mapping(top.get("multi_fidelity"), "multi_fidelity", "multi_fidelity")));
        Optional<RunFile.Kinship> kinship = top.get("kinship") == null ? Optional.empty()
                : Optional.of(kinship(d, d.mapping(top.get("kinship"), "kinship", "kinship")));
        var execution = extension(d, top.get("execution"), "execution");
        Optional<RunFile.SubsetEstimate> subset = top.get("subset_estimate") == null ? Optional.empty()
                : Optional.of(subsetEstimate(d, d.mapping(top.get("subset_estimate"), "subset_estimate",
                "subset_estimate")));
        if (subset.isPresent() && fidelity.isPresent()) {
            throw d.error("subset_estimate", "'subset_estimate' and 'multi_fidelity' cannot be used together (both"
                    + " score candidates on part of each task)");
        }
        if (subset.isPresent() && execution.isPresent()) {
            throw d.error("subset_estimate", "'subset_estimate': a run with 'execution' scores candidates in full"
                    + " (the subset estimate runs on the local worker pool)");
        }
        return new RunFile(file.toAbsolutePath(), text, models, base, genome, strategy, selection, mutation, tasks,
                objectives, budget, seed, workers, fidelity, kinship, execution,
                stage.map(st -> new RunFile.Stage(st.number(), st.name(), st.keys(), fromStages)), List.of(), subset);
    }

    /**
     * {@code FILE:LINE:COLUMN} of a key of a run file's text (as errors spell keys: {@code genome.layer_groups},
     * {@code strategy.parameters.sigma}), or of its deepest ancestor that the text has; {@code FILE} when none.
     */
    static String where(Path file, String text, String key) {
        return YamlKeyLocations.of(text).where(file, key);
    }

    private static RunFile.Kinship kinship(Document d, Map<String, Object> m) {
        d.checkKeys(m, KINSHIP, "kinship.");
        String metric = m.containsKey("metric") ? d.text(m.get("metric"), "kinship.metric") : "pcc";
        if (!Set.of("pcc", "cosine", "euclidean").contains(metric)) {
            throw d.error("kinship.metric", "'kinship.metric' must be pcc, cosine or euclidean, got '" + metric + "'");
        }
        int top = m.containsKey("top") ? d.wholeCount(m.get("top"), "kinship.top", 2) : 3;
        int every = m.containsKey("every") ? d.wholeCount(m.get("every"), "kinship.every", 1) : 1;
        OptionalDouble stop = m.containsKey("stop_above")
                ? OptionalDouble.of(d.number(m.get("stop_above"), "kinship.stop_above")) : OptionalDouble.empty();
        return new RunFile.Kinship(metric, top, every, stop);
    }

    private static RunFile.GenomeSettings genome(Document d, Map<String, Object> g) {
        d.checkKeys(g, GENOME, "genome.");
        String kindText = d.text(d.require(g, "kind", "genome."), "genome.kind");
        RunFile.GenomeKind kind = null;
        for (RunFile.GenomeKind k : RunFile.GenomeKind.values()) {
            // mergekit-evolve's genome comes from its own configuration file (MergekitEvolveConfig), with settings
            // a run file has no keys for.
            if (k.id().equals(kindText) && k != RunFile.GenomeKind.MERGEKIT_EVOLVE) {
                kind = k;
            }
        }
        if (kind == null) {
            throw d.error("genome.kind", "'genome.kind' must be recipe, layer-path or model, got '" + kindText + "'");
        }
        String method = g.containsKey("merge_method") ? d.text(g.get("merge_method"), "genome.merge_method")
                : kind == RunFile.GenomeKind.LAYER_PATH ? "passthrough" : null;
        if (method == null) {
            throw d.error("genome", "'genome.merge_method' is missing (the " + (kind == RunFile.GenomeKind.MODEL
                    ? "crossover" : "evolved") + " merge method)");
        }
        int groups = g.containsKey("layer_groups") ? d.wholeCount(g.get("layer_groups"), "genome.layer_groups", 1) : 1;
        List<String> filters = new ArrayList<>();
        if (g.containsKey("filters")) {
            List<Object> raw = d.list(g.get("filters"), "genome.filters");
            for (int i = 0; i < raw.size(); i++) {
                filters.add(d.text(raw.get(i), "genome.filters[" + i + "]"));
            }
        }
        List<String> parameters = new ArrayList<>();
        if (g.containsKey("parameters")) {
            List<Object> raw = d.list(g.get("parameters"), "genome.parameters");
            for (int i = 0; i < raw.size(); i++) {
                parameters.add(d.text(raw.get(i), "genome.parameters[" + i + "]"));
            }
        }
        Map<String, double[]> bounds = new LinkedHashMap<>();
        if (g.containsKey("bounds")) {
            for (Map.Entry<String, Object> e : d.mapping(g.get("bounds"), "genome.bounds", "genome.bounds").entrySet()) {
                bounds.put(e.getKey(), d.pair(e.getValue(), "genome.bounds." + e.getKey()));
            }
        }
        String init = "mergekit";
        Map<String, Double> initValues = new LinkedHashMap<>();
        if (g.get("init") instanceof Map<?, ?>) {
            // explicit starting values, e.g. {weight: 1.0, density: 0.5}: the search starts at that recipe
            init = "values";
            for (Map.Entry<String, Object> e : d.mapping(g.get("init"), "genome.init", "genome.init").entrySet()) {
                initValues.put(e.getKey(), d.number(e.getValue(), "genome.init." + e.getKey()));
            }
            if (initValues.isEmpty()) {
                throw d.error("genome.init", "'genome.init' names no parameter; give e.g. {weight: 1.0, density: 0.5}");
            }
        } else if (g.containsKey("init")) {
            init = d.text(g.get("init"), "genome.init");
            if (!Set.of("mergekit", "center", "random").contains(init)) {
                throw d.error("genome.init", "'genome.init' must be mergekit, center, random or a mapping of starting"
                        + " values, got '" + init + "'");
            }
        }
        boolean smooth = d.bool(g.getOrDefault("smooth", false), "genome.smooth");
        boolean negative = d.bool(g.getOrDefault("allow_negative_weights", false), "genome.allow_negative_weights");
        Map<String, Object> methodParameters = g.containsKey("method_parameters")
                ? d.mapping(g.get("method_parameters"), "genome.method_parameters", "genome.method_parameters")
                : Map.of();
        String storage = g.containsKey("dtype") ? d.text(g.get("dtype"), "genome.dtype") : "bfloat16";
        storage = switch (storage) {
            case "bfloat16", "bf16" -> "bfloat16";
            case "float32", "float", "fp32" -> "float32";
            default -> throw d.error("genome.dtype", "'genome.dtype' must be bfloat16 or float32, got '" + storage
                    + "'");
        };
        int repeats = g.containsKey("repeats") ? d.wholeCount(g.get("repeats"), "genome.repeats", 1) : 1;
        double[] scaleBounds = g.containsKey("scale_bounds") ? d.pair(g.get("scale_bounds"), "genome.scale_bounds")
                : new double[] {0.5, 1.5};
        LayerPathSpace.Scaling scaling = LayerPathSpace.Scaling.SLOT;
        if (g.containsKey("scaling")) {
            String text = d.text(g.get("scaling"), "genome.scaling");
            scaling = Arrays.stream(LayerPathSpace.Scaling.values()).filter(s -> s.id().equals(text)).findFirst()
                    .orElseThrow(() -> d.error("genome.scaling", "'genome.scaling' must be transition, slot or none,"
                            + " got '" + text + "'"));
        }
        if (scaling == LayerPathSpace.Scaling.TRANSITION && !(scaleBounds[0] > 0)) {
            throw d.error(g.containsKey("scale_bounds") ? "genome.scale_bounds" : "genome.scaling",
                    "'genome.scale_bounds' must be above 0 with scaling: transition (a transition scale multiplies"
                    + " the hidden state, which folds into the weights only when positive), got ["
                    + scaleBounds[0] + ", " + scaleBounds[1] + "]");
        }
        return new RunFile.GenomeSettings(kind, method, groups, filters, parameters, bounds, init, initValues, smooth, negative,
                methodParameters, storage, repeats, scaleBounds, scaling);
    }

    private static Optional<RunFile.ExtensionChoice> extension(Document d, Object value, String key) {
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof Map<?, ?>)) {
            return Optional.of(new RunFile.ExtensionChoice(d.text(value, key), Map.of(), key));
        }
        Map<String, Object> m = d.mapping(value, key, key);
        d.checkKeys(m, EXTENSION, key + ".");
        String id = d.text(d.require(m, "id", key + "."), key + ".id");
        Map<String, Object> parameters = m.get("parameters") == null ? Map.of()
                : d.mapping(m.get("parameters"), key + ".parameters", key + ".parameters");
        return Optional.of(new RunFile.ExtensionChoice(id, parameters, key));
    }

    private static RunFile.Task task(Document d, Path folder, Map<String, Object> entry, String key) {
        d.checkKeys(entry, TASK, key + ".");
        if (entry.containsKey("task")) {
            Path taskFile = d.path(folder, entry.get("task"), key + ".task");
            if (TaskReferences.isLmEvalFile(taskFile)) {
                return lmEvalTask(d, taskFile, entry, key);
            }
            if (entry.size() != 1) {
                throw d.error(key, "'" + key + "' names a task file, so it takes no other keys");
            }
            String taskText;
            try {
                taskText = Files.readString(taskFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw d.error(key + ".task", "'" + key + ".task': cannot read " + taskFile + ": " + e.getMessage());
            }
            Document inner = new Document(taskFile, taskText);
            Map<String, Object> content = inner.mapping(load(taskText, taskFile), "", "the task file");
            inner.checkKeys(content, TASK_FILE, "");
            return taskEntry(inner, taskFile.toAbsolutePath().getParent(), content, "");
        }
        return taskEntry(d, folder, entry, key + ".");
    }

    /**
     * An lm-evaluation-harness task file as a task of the {@value TaskReferences#LM_EVAL} evaluator; the entry may
     * add {@code weight} and the evaluator's {@code parameters} ({@code metric: acc_norm,none}, {@code num_fewshot},
     * {@code limit}, ...).
     */
    private static RunFile.Task lmEvalTask(Document d, Path taskFile, Map<String, Object> entry, String key) {
        for (String other : entry.keySet()) {
            if (!Set.of("task", "weight", "parameters").contains(other)) {
                throw d.error(key, "'" + key + "' names an lm-eval task file, which takes only 'weight' and"
                        + " 'parameters' beside it, not '" + other + "'");
            }
        }
        List<TaskDefinition> tasks = TaskReferences.resolve(taskFile.toString(), taskFile.getParent(),
                new LmEvalTasks(List.of())).orElseThrow();
        if (tasks.size() != 1) {
            throw d.error(key + ".task", "'" + key + ".task': " + taskFile + " is an lm-eval group of "
                    + tasks.size() + " tasks; give each task file as its own evaluators entry");
        }
        TaskDefinition task = tasks.getFirst();
        Map<String, Object> parameters = new LinkedHashMap<>(task.parameters());
        if (entry.get("parameters") != null) {
            Map<String, Object> given = d.mapping(entry.get("parameters"), key + ".parameters", key + ".parameters");
            for (String name : given.keySet()) {
                if (parameters.containsKey(name)) {
                    throw d.error(key + ".parameters", "'" + key + ".parameters." + name + "' is set from the task"
                            + " file and cannot be given here");
                }
            }
            parameters.putAll(given);
        }
        double weight = entry.containsKey("weight") ? d.number(entry.get("weight"), key + ".weight") : 1.0;
        return new RunFile.Task(task.name(), TaskReferences.LM_EVAL, Optional.empty(), parameters, weight,
                entry.containsKey("weight"), d.where(key) + ": '" + key + "'");
    }

    private static RunFile.Task taskEntry(Document d, Path folder, Map<String, Object> entry, String prefix) {
        String name = d.text(d.require(entry, "name", prefix), prefix + "name");
        String evaluator = d.text(d.require(entry, "evaluator", prefix), prefix + "evaluator");
        Optional<Path> data = Optional.ofNullable(entry.get("data"))
                .map(v -> d.path(folder, v, prefix + "data"));
        Map<String, Object> parameters = entry.get("parameters") == null ? Map.of()
                : d.mapping(entry.get("parameters"), prefix + "parameters", prefix + "parameters");
        double weight = entry.containsKey("weight") ? d.number(entry.get("weight"), prefix + "weight") : 1.0;
        String where = prefix.isEmpty() ? d.file.toString()
                : d.where(prefix.substring(0, prefix.length() - 1)) + ": '" + prefix.substring(0, prefix.length() - 1)
                + "'";
        return new RunFile.Task(name, evaluator, data, parameters, weight, entry.containsKey("weight"), where);
    }

    private static RunFile.Budget budget(Document d, Map<String, Object> b) {
        d.checkKeys(b, BUDGET, "budget.");
        OptionalLong evaluations = b.containsKey("evaluations")
                ? OptionalLong.of(d.integer(b.get("evaluations"), "budget.evaluations", 1, Long.MAX_VALUE))
                : OptionalLong.empty();
        OptionalDouble seconds = b.containsKey("time") ? OptionalDouble.of(d.duration(b.get("time")))
                : OptionalDouble.empty();
        OptionalDouble target = b.containsKey("target_fitness")
                ? OptionalDouble.of(d.number(b.get("target_fitness"), "budget.target_fitness")) : OptionalDouble.empty();
        if (evaluations.isEmpty() && seconds.isEmpty() && target.isEmpty()) {
            // A strategy that never finishes would otherwise run forever.
            throw d.error("budget", "'budget' needs at least one of evaluations, time, target_fitness");
        }
        return new RunFile.Budget(evaluations, seconds, target);
    }

    private static RunFile.MultiFidelity fidelity(Document d, Map<String, Object> m) {
        d.checkKeys(m, FIDELITY, "multi_fidelity.");
        double sample = d.number(d.require(m, "sample", "multi_fidelity."), "multi_fidelity.sample");
        if (!(sample > 0) || (sample > 1 && sample != Math.rint(sample))) {
            throw d.error("multi_fidelity.sample", "'multi_fidelity.sample' must be a fraction in (0, 1) or a whole"
                    + " count, got " + sample);
        }
        double keep = m.containsKey("keep") ? d.number(m.get("keep"), "multi_fidelity.keep") : 0.5;
        if (!(keep > 0 && keep <= 1)) {
            throw d.error("multi_fidelity.keep", "'multi_fidelity.keep' must be in (0, 1], got " + keep);
        }
        long seed = m.containsKey("sample_seed") ? d.integer(m.get("sample_seed"), "multi_fidelity.sample_seed",
                Long.MIN_VALUE, Long.MAX_VALUE) : 0;
        return new RunFile.MultiFidelity(sample, keep, seed);
    }

    private static RunFile.SubsetEstimate subsetEstimate(Document d, Map<String, Object> m) {
        d.checkKeys(m, SUBSET, "subset_estimate.");
        if (m.containsKey("fraction") == m.containsKey("anchors")) {
            throw d.error("subset_estimate", "'subset_estimate' needs one of 'fraction' or 'anchors'");
        }
        OptionalDouble fraction = OptionalDouble.empty();
        java.util.OptionalInt anchors = java.util.OptionalInt.empty();
        if (m.containsKey("fraction")) {
            double f = d.number(m.get("fraction"), "subset_estimate.fraction");
            if (!(f > 0 && f <= 1)) {
                throw d.error("subset_estimate.fraction", "'subset_estimate.fraction' must be in (0, 1], got " + f);
            }
            fraction = OptionalDouble.of(f);
        } else {
            anchors = java.util.OptionalInt.of(d.wholeCount(m.get("anchors"), "subset_estimate.anchors", 1));
        }
        long seed = m.containsKey("seed") ? d.integer(m.get("seed"), "subset_estimate.seed", Long.MIN_VALUE,
                Long.MAX_VALUE) : 0;
        String estimator = m.containsKey("estimator") ? d.text(m.get("estimator"), "subset_estimate.estimator")
                : "gp-irt";
        if (!Set.of("gp-irt", "p-irt", "anchor").contains(estimator)) {
            throw d.error("subset_estimate.estimator", "'subset_estimate.estimator' must be gp-irt, p-irt or anchor,"
                    + " got '" + estimator + "'");
        }
        java.util.OptionalInt refitEvery = m.containsKey("refit_every")
                ? java.util.OptionalInt.of(d.wholeCount(m.get("refit_every"), "subset_estimate.refit_every", 1))
                : java.util.OptionalInt.empty();
        if (m.containsKey("refit_candidates") && refitEvery.isEmpty()) {
            throw d.error("subset_estimate.refit_candidates", "'subset_estimate.refit_candidates' needs"
                    + " 'subset_estimate.refit_every' (how many generations apart the calibration evaluations are)");
        }
        int refitCandidates = m.containsKey("refit_candidates")
                ? d.wholeCount(m.get("refit_candidates"), "subset_estimate.refit_candidates", 1) : 1;
        return new RunFile.SubsetEstimate(fraction, anchors, seed, estimator, refitEvery, refitCandidates);
    }

    static double duration(Path file, Object value) {
        return new Document(file, "").duration(value);
    }

    private static Object load(String text, Path file) {
        return YamlInput.load(text, file);
    }

    /** One YAML file being read (the run file or a task file): its values' checks, errors naming file, line and key. */
    private static final class Document {

        final Path file;
        final String text;
        private final String stagePrefix;
        private final Set<String> stageKeys;
        private YamlKeyLocations locations;

        Document(Path file, String text) {
            this(file, text, "", Set.of());
        }

        private Document(Path file, String text, String stagePrefix, Set<String> stageKeys) {
            this.file = file;
            this.text = text;
            this.stagePrefix = stagePrefix;
            this.stageKeys = stageKeys;
        }

        /** This document read as stage {@code index}, which sets the top-level {@code keys} itself. */
        Document inStage(int index, Set<String> keys) {
            return new Document(file, text, "stages[" + index + "].", Set.copyOf(keys));
        }

        /** {@code FILE:LINE:COLUMN} of {@code key}; in a stage, of the stage's own key when it sets it. */
        String where(String key) {
            if (locations == null) {
                locations = YamlKeyLocations.of(text);
            }
            boolean inStage = !key.isEmpty() && stageKeys.contains(key.split("[.\\[]", 2)[0]);
            return locations.where(file, inStage ? stagePrefix + key : key);
        }

        /** A configuration error at {@code key} ({@code ""}: the file as a whole). */
        EvomergeException error(String key, String message) {
            return EvomergeException.configuration((key.isEmpty() ? file.toString() : where(key)) + ": " + message);
        }

        Object require(Map<String, Object> map, String key, String prefix) {
            Object value = map.get(key);
            if (value == null) {
                throw error(prefix.isEmpty() ? key : prefix.substring(0, prefix.length() - 1) + "." + key,
                        "'" + prefix + key + "' is missing");
            }
            return value;
        }

        void checkKeys(Map<String, Object> map, Set<String> allowed, String prefix) {
            for (String key : map.keySet()) {
                if (!allowed.contains(key)) {
                    throw error(prefix + key, "unknown key '" + prefix + key + "'; known" + (prefix.isEmpty() ? ""
                            : " in '" + prefix.substring(0, prefix.length() - 1) + "'") + ": "
                            + String.join(", ", new TreeSet<>(allowed)));
                }
            }
        }

        /**
         * @param key  where the value is ({@code ""}: the document)
         * @param what how the message names it
         */
        @SuppressWarnings("unchecked")
        Map<String, Object> mapping(Object value, String key, String what) {
            String named = key.isEmpty() ? what : "'" + what + "'";
            if (!(value instanceof Map<?, ?> map)) {
                throw error(key, named + " must be a mapping, got " + (value == null ? "nothing" : value));
            }
            for (Object k : map.keySet()) {
                if (!(k instanceof String)) {
                    throw error(key, named + " has a non-text key " + k);
                }
            }
            return (Map<String, Object>) map;
        }

        @SuppressWarnings("unchecked")
        List<Object> list(Object value, String key) {
            if (!(value instanceof List<?> list)) {
                throw error(key, "'" + key + "' must be a list, got " + (value == null ? "nothing" : value));
            }
            return (List<Object>) list;
        }

        String text(Object value, String key) {
            if (value == null || value instanceof Map<?, ?> || value instanceof List<?>) {
                throw error(key, "'" + key + "' must be text, got " + (value == null ? "nothing" : value));
            }
            return value.toString();
        }

        /** A path written in the file, relative to {@code folder}; text the file system refuses is bad input. */
        Path path(Path folder, Object value, String key) {
            return PathInput.resolve(folder, text(value, key), where(key) + ": '" + key + "'").normalize();
        }

        /**
         * A model written in the file: a path as {@link #path}, a LoRA reference {@code MODEL+ADAPTER} whose parts
         * are models so (answered as {@link LoraReference#path()}), or a Hub id {@code org/name[@revision]} of the
         * local Hugging Face hub cache ({@link HubCacheModels}).
         */
        Path model(Path folder, Object value, String key) {
            Path whole = path(folder, value, key);
            if (Files.exists(whole)) {
                return whole;
            }
            Optional<String[]> lora = LoraReference.split(text(value, key));
            if (lora.isPresent()) {
                return new LoraReference(model(folder, lora.get()[0], key), model(folder, lora.get()[1], key)).path();
            }
            // A model that is neither here nor in the cache is reported when the run opens it (CandidateScoring).
            HubCacheModels cache = HubCacheModels.fromSystem();
            String reference = text(value, key);
            return cache.holds(reference) ? cache.resolve(reference, where(key) + ": '" + key + "'", List.of(whole))
                    .orElseThrow() : whole;
        }

        double number(Object value, String key) {
            if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue())) {
                throw error(key, "'" + key + "' must be a number, got " + value);
            }
            return n.doubleValue();
        }

        /** A whole number in [min, max]; YAML gives Integer, Long or BigInteger by size. */
        long integer(Object value, String key, long min, long max) {
            if (!(value instanceof Integer || value instanceof Long || value instanceof BigInteger)) {
                throw error(key, "'" + key + "' must be a whole number, got " + value);
            }
            BigInteger v = value instanceof BigInteger b ? b : BigInteger.valueOf(((Number) value).longValue());
            if (v.compareTo(BigInteger.valueOf(min)) < 0) {
                throw error(key, "'" + key + "' must be at least " + min + ", got " + v);
            }
            if (v.compareTo(BigInteger.valueOf(max)) > 0) {
                throw error(key, "'" + key + "' must be at most " + max + ", got " + v);
            }
            return v.longValueExact();
        }

        /** A count held in an {@code int}: at least {@code min}, at most {@link Integer#MAX_VALUE}. */
        int wholeCount(Object value, String key, int min) {
            return (int) integer(value, key, min, Integer.MAX_VALUE);
        }

        boolean bool(Object value, String key) {
            if (!(value instanceof Boolean b)) {
                throw error(key, "'" + key + "' must be true or false, got " + value);
            }
            return b;
        }

        double[] pair(Object value, String key) {
            List<Object> l = list(value, key);
            if (l.size() != 2) {
                throw error(key, "'" + key + "' must be [lower, upper], got " + value);
            }
            double lo = number(l.get(0), key + "[0]");
            double hi = number(l.get(1), key + "[1]");
            if (!(lo <= hi)) {
                throw error(key, "'" + key + "' needs lower <= upper, got " + value);
            }
            return new double[] {lo, hi};
        }

        double duration(Object value) {
            if (value instanceof Number n && n.doubleValue() > 0) {
                return n.doubleValue();
            }
            Matcher m = DURATION.matcher(String.valueOf(value).toLowerCase(Locale.ROOT));
            if (!m.matches() || !(Double.parseDouble(m.group(1)) > 0)) {
                throw error("budget.time", "'budget.time' must be a positive duration such as 90s, 30m, 2h or 1d,"
                        + " got '" + value + "'");
            }
            double unit = switch (m.group(2) == null ? "s" : m.group(2)) {
                case "m" -> 60;
                case "h" -> 3600;
                case "d" -> 86400;
                default -> 1;
            };
            return Double.parseDouble(m.group(1)) * unit;
        }
    }

    static EvomergeException error(Path file, String message) {
        return EvomergeException.configuration(file + ": " + message);
    }
}
