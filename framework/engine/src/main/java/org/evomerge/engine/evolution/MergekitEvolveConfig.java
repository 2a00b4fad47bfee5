package org.evomerge.engine.evolution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.evaluation.TaskDefinition;
import org.evomerge.engine.evaluation.TaskReferences;
import org.evomerge.engine.evaluation.lmeval.LmEvalTasks;
import org.evomerge.engine.evolution.genome.LayerPathSpace;
import org.evomerge.engine.evolution.genome.MergekitEvolveSpace;
import org.evomerge.engine.input.ClosestNames;
import org.evomerge.engine.input.PathInput;
import org.evomerge.engine.input.YamlInput;
import org.evomerge.engine.lora.LoraReference;
import org.evomerge.engine.model.HubCacheModels;
import org.evomerge.engine.parameter.LaxCoercion;

/**
 * A mergekit-evolve configuration file ({@code mergekit/evo/config.py}: {@code genome:}, {@code tasks:} and the
 * evaluation settings), read as mergekit-evolve's pydantic models read it and translated into the run model
 * ({@link RunFile}) the evolution runs: the genome as mergekit-evolve's ({@link MergekitEvolveSpace}), CMA-ES with
 * pycma's settings (σ₀ {@code --sigma0}, λ = 4 + ⌊3 ln n⌋ unless {@code --force-population-size}, no restarts, no
 * bounds: the decoding makes every value valid), each task an lm-eval task of the search path scored by its
 * {@code metric}, fitness Σ weight · metric as lm-eval reports it (mergekit-evolve minimises its negation; the
 * weight is negated where the evaluator scores a lower-is-better metric negated), and the budget
 * {@code --max-fevals} evaluations.
 *
 * <p>Model references are resolved as mergekit resolves them: against the working directory, or
 * {@code org/name[@revision]} in the local Hugging Face hub cache. Unknown keys are refused (pydantic ignores them,
 * which hides typos).
 */
public final class MergekitEvolveConfig {

    /** mergekit-evolve's {@code NAUGHTY_PREFIXES} ({@code mergekit/evo/config.py}). */
    public static final List<String> BENCHMARK_PREFIXES = List.of("mmlu", "hendrycks", "agieval", "gsm8k",
            "hellaswag", "winogrande", "arc_", "ai2_arc", "truthfulqa", "bigbench", "piqa", "openbookqa",
            "leaderboard");

    /** The flag that lets benchmark tasks through, spelled as mergekit-evolve spells it. */
    public static final String BENCHMARK_FLAG = "--i-understand-the-depths-of-the-evils-i-am-unleashing";

    /** lm-eval's metrics where lower is better unless a task says otherwise. */
    private static final Set<String> LOWER_IS_BETTER = Set.of("perplexity", "word_perplexity", "byte_perplexity",
            "bits_per_byte");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Set<String> TOP = Set.of("genome", "tasks", "limit", "num_fewshot", "shuffle", "random_init",
            "apply_chat_template", "fewshot_as_multiturn");
    private static final Set<String> GENOME = Set.of("models", "merge_method", "base_model", "tokenizer_source",
            "layer_granularity", "normalize", "allow_negative_weights", "filters", "smooth");
    private static final Set<String> TASK = Set.of("name", "weight", "metric");

    /**
     * mergekit-evolve's command-line settings that mean something here.
     *
     * @param workingDirectory     what relative model paths are resolved against (as mergekit does)
     * @param maxFevals            {@code --max-fevals}: evaluations (the budget)
     * @param sigma0               {@code --sigma0}: CMA-ES's initial step size
     * @param forcePopulationSize  {@code --force-population-size}: CMA-ES's λ, else pycma's default
     * @param taskSearchPath       {@code --task-search-path} folders, then the configured ones
     * @param randomSeed           {@code --random-seed}: the run's seed
     * @param timeoutSeconds       {@code --timeout}: the evaluation time budget
     * @param allowBenchmarkTasks  {@value #BENCHMARK_FLAG}
     * @param environment          the process environment (where the Hugging Face hub cache is)
     * @param userHome             the user's home folder (the hub cache's default place)
     */
    public record Options(Path workingDirectory, long maxFevals, double sigma0, OptionalInt forcePopulationSize,
                          List<Path> taskSearchPath, long randomSeed, OptionalDouble timeoutSeconds,
                          boolean allowBenchmarkTasks, Map<String, String> environment, Path userHome) {
        public Options {
            taskSearchPath = List.copyOf(taskSearchPath);
            environment = Map.copyOf(environment);
        }
    }

    private final Path file;
    private final String text;
    private final Options options;
    private final List<String> notices = new ArrayList<>();
    private YamlKeyLocations locations;

    private MergekitEvolveConfig(Path file, String text, Options options) {
        this.file = file;
        this.text = text;
        this.options = options;
    }

    /**
     * The run a configuration file describes, with the notices to print (settings accepted that change nothing).
     *
     * @param run     the translated run
     * @param notices one line each
     */
    public record Translation(RunFile run, List<String> notices) {
        public Translation {
            notices = List.copyOf(notices);
        }
    }

    /**
     * Whether {@code file} is a mergekit-evolve configuration: a YAML mapping with top-level {@code genome} and
     * {@code tasks} (a run file has {@code evaluators}, never {@code tasks}).
     */
    public static boolean isConfig(Path file) {
        try {
            Object root = YamlInput.load(Files.readString(file, StandardCharsets.UTF_8), file);
            return root instanceof Map<?, ?> map && map.containsKey("genome") && map.containsKey("tasks");
        } catch (IOException | EvomergeException e) {
            return false;
        }
    }

    /**
     * Reads and translates {@code file}.
     *
     * @throws EvomergeException (configuration) naming the file, line and key of what is wrong; a benchmark task
     *                           without {@value #BENCHMARK_FLAG}
     */
    public static Translation read(Path file, Options options) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw EvomergeException.configuration(file + ": cannot read the mergekit-evolve configuration: "
                    + e.getMessage());
        }
        MergekitEvolveConfig config = new MergekitEvolveConfig(file.toAbsolutePath(), text, options);
        return new Translation(config.translate(), config.notices);
    }

    private RunFile translate() {
        Map<String, Object> top = mapping(YamlInput.load(text, file), "", "the mergekit-evolve configuration");
        checkKeys(top, TOP, "");
        Map<String, Object> genome = mapping(require(top, "genome", ""), "genome", "genome");
        checkKeys(genome, GENOME, "genome.");
        // mergekit-evolve checks for benchmark tasks right after reading the file, before any model is touched.
        List<TaskEntry> taskEntries = taskEntries(list(require(top, "tasks", ""), "tasks"));
        checkBenchmarks(taskEntries);

        List<Object> modelEntries = list(require(genome, "models", "genome."), "genome.models");
        if (modelEntries.isEmpty()) {
            throw error("genome.models", "'genome.models' is empty");
        }
        List<Path> models = new ArrayList<>();
        for (int i = 0; i < modelEntries.size(); i++) {
            models.add(model(modelEntries.get(i), "genome.models[" + i + "]"));
        }
        if (new LinkedHashSet<>(models).size() != models.size()) {
            throw error("genome.models", "'genome.models' names the same model twice");
        }
        String method = text(require(genome, "merge_method", "genome."), "genome.merge_method");
        if (!MergekitEvolveSpace.METHOD_PARAMETERS.containsKey(method)) {
            throw error("genome.merge_method", "'genome.merge_method': mergekit-evolve evolves "
                    + String.join(", ", new TreeSet<>(MergekitEvolveSpace.METHOD_PARAMETERS.keySet())) + ", not '"
                    + method + "'" + ClosestNames.hint(method, MergekitEvolveSpace.METHOD_PARAMETERS.keySet()));
        }
        Optional<Path> base = present(genome, "base_model").map(v -> model(v, "genome.base_model"));
        if (Set.of("ties", "dare_ties", "task_arithmetic").contains(method) && base.isEmpty()) {
            throw error("genome", "'genome.base_model' is missing; merge method '" + method + "' needs one");
        }
        Optional<String> tokenizerSource = present(genome, "tokenizer_source")
                .map(v -> text(v, "genome.tokenizer_source"))
                .map(v -> v.equals("base") || v.equals("union") ? v
                        : model(v, "genome.tokenizer_source").toString());
        int granularity = present(genome, "layer_granularity")
                .map(v -> (int) integer(v, "genome.layer_granularity", Integer.MIN_VALUE, Integer.MAX_VALUE))
                .orElse(0);
        Optional<Boolean> normalize = present(genome, "normalize").map(v -> bool(v, "genome.normalize"));
        boolean allowNegative = present(genome, "allow_negative_weights")
                .map(v -> bool(v, "genome.allow_negative_weights")).orElse(false);
        boolean smooth = present(genome, "smooth").map(v -> bool(v, "genome.smooth")).orElse(false);
        List<String> filters = new ArrayList<>();
        present(genome, "filters").ifPresent(v -> {
            List<Object> entries = list(v, "genome.filters");
            for (int i = 0; i < entries.size(); i++) {
                filters.add(text(entries.get(i), "genome.filters[" + i + "]"));
            }
        });
        if (method.equals("slerp") && smooth) {
            throw error("genome.smooth", "'genome.smooth': smooth is not supported for slerp merge method");
        }
        if (method.equals("slerp") && !filters.isEmpty()) {
            throw error("genome.filters", "'genome.filters': tensor name filtering is not supported for slerp merge"
                    + " method");
        }
        boolean randomInit = present(top, "random_init").map(v -> bool(v, "random_init")).orElse(false);
        RunFile.GenomeSettings settings = new RunFile.GenomeSettings(RunFile.GenomeKind.MERGEKIT_EVOLVE, method,
                1, filters, List.of(), Map.of(), randomInit ? "random" : "mergekit", Map.of(), smooth,
                allowNegative, Map.of(), "bfloat16", 1, new double[] {0.5, 1.5}, LayerPathSpace.Scaling.SLOT,
                Optional.of(new RunFile.MergekitEvolveGenome(granularity, normalize, tokenizerSource)));

        Map<String, Object> evaluation = new LinkedHashMap<>();
        present(top, "limit").ifPresent(v -> evaluation.put("limit",
                integer(v, "limit", 0, Integer.MAX_VALUE)));
        present(top, "num_fewshot").ifPresent(v -> evaluation.put("num_fewshot",
                integer(v, "num_fewshot", 0, 10_000)));
        evaluation.put("apply_chat_template", present(top, "apply_chat_template")
                .map(v -> bool(v, "apply_chat_template")).orElse(true));
        evaluation.put("fewshot_as_multiturn", present(top, "fewshot_as_multiturn")
                .map(v -> bool(v, "fewshot_as_multiturn")).orElse(true));
        if (present(top, "shuffle").map(v -> bool(v, "shuffle")).orElse(false)) {
            notices.add(where("shuffle") + ": 'shuffle: true' has no effect (mergekit-evolve reads it and passes it"
                    + " nowhere either)");
        }
        LmEvalTasks lmEval = new LmEvalTasks(options.taskSearchPath());
        List<RunFile.Task> tasks = new ArrayList<>();
        for (TaskEntry entry : taskEntries) {
            tasks.add(task(lmEval, entry, evaluation));
        }

        RunFile.ExtensionChoice strategy = new RunFile.ExtensionChoice("cma-es", strategyParameters(),
                "--sigma0");
        RunFile.Budget budget = new RunFile.Budget(OptionalLong.of(options.maxFevals()), options.timeoutSeconds(),
                OptionalDouble.empty());
        return new RunFile(file, text, models, base, settings, strategy, Optional.empty(), Optional.empty(), tasks,
                RunFile.ObjectiveMode.WEIGHTED, budget, OptionalLong.of(options.randomSeed()), 1, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), List.of());
    }

    /** pycma {@code fmin2} as mergekit-evolve calls it: σ₀, λ forced or default, no restarts, no bounds. */
    private Map<String, Object> strategyParameters() {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("sigma", options.sigma0());
        parameters.put("population_size", (long) options.forcePopulationSize().orElse(0));
        parameters.put("restarts", 0L);
        parameters.put("bound_handling", "none");
        return parameters;
    }

    /** One entry of {@code tasks:}, as pydantic's {@code TaskConfiguration} reads it. */
    private record TaskEntry(String name, double weight, String metric, String key) {
    }

    private List<TaskEntry> taskEntries(List<Object> entries) {
        if (entries.isEmpty()) {
            throw error("tasks", "'tasks' is empty");
        }
        List<TaskEntry> read = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            String key = "tasks[" + i + "]";
            Object entry = entries.get(i);
            // pydantic's validate_string: a bare name is {name: NAME}
            Map<String, Object> task = entry instanceof String s ? Map.of("name", s) : mapping(entry, key, key);
            checkKeys(task, TASK, key + ".");
            String name = text(require(task, "name", key + "."), key + ".name");
            double weight = present(task, "weight").map(v -> number(v, key + ".weight")).orElse(1.0);
            String metric = present(task, "metric").map(v -> text(v, key + ".metric")).orElse("acc,none");
            if (!names.add(name)) {
                throw error(key, "'" + key + ".name': task '" + name + "' is listed twice; evomerge scores a task"
                        + " by one metric");
            }
            read.add(new TaskEntry(name, weight, metric, key));
        }
        return read;
    }

    /**
     * mergekit-evolve's {@code check_for_naughty_config}: a task named with a benchmark's prefix (not ending in
     * {@code _train}) is refused with its message and flag, or, with the flag, accepted with the message as a
     * notice.
     */
    private void checkBenchmarks(List<TaskEntry> tasks) {
        for (TaskEntry task : tasks) {
            if (BENCHMARK_PREFIXES.stream().noneMatch(task.name()::startsWith) || task.name().endsWith("_train")) {
                continue;
            }
            String message = "Task " + task.name() + " is a common benchmark task. Optimizing against this task"
                    + " directly is unsporting at best and outright malicious at worst. Using mergekit-evolve to game"
                    + " benchmarks will be a black mark on your name for a thousand generations.";
            if (!options.allowBenchmarkTasks()) {
                throw error(task.key() + ".name", message + " To proceed, set the " + BENCHMARK_FLAG + " flag.");
            }
            notices.add(where(task.key() + ".name") + ": " + message);
        }
    }

    private RunFile.Task task(LmEvalTasks lmEval, TaskEntry entry, Map<String, Object> evaluation) {
        String name = entry.name();
        String key = entry.key();
        List<TaskDefinition> definitions = lmEval.resolveName(name)
                .map(r -> r.tasks().stream().map(TaskReferences::definition).toList())
                .orElseThrow(() -> error(key + ".name", "'" + key + ".name': task '" + name + "': "
                        + lmEval.unknownName(name)));
        if (definitions.size() != 1) {
            throw error(key + ".name", "'" + key + ".name': '" + name + "' is an lm-eval group or tag of "
                    + definitions.size() + " tasks; list its tasks by name, each with its weight");
        }
        Map<String, Object> parameters = new LinkedHashMap<>(definitions.getFirst().parameters());
        parameters.putAll(evaluation);
        parameters.put("metric", entry.metric());
        // mergekit-evolve adds weight * metric as reported; the lm-eval evaluator's score is the metric negated when
        // lower is better, so the weight is negated with it and the fitness stays weight * metric.
        double weight = higherIsBetter(parameters.get(TaskReferences.CONFIG), entry.metric()) ? entry.weight()
                : -entry.weight();
        return new RunFile.Task(name, TaskReferences.LM_EVAL, Optional.empty(), parameters, weight, true,
                where(key) + ": '" + key + "'");
    }

    /**
     * Whether lm-eval counts {@code metricKey}'s metric ({@code word_perplexity,none}: {@code word_perplexity}) as
     * higher-is-better: the task's {@code metric_list} entry's {@code higher_is_better}, else lm-eval's default
     * (lower is better for the perplexities and bits per byte).
     */
    private static boolean higherIsBetter(Object config, String metricKey) {
        String metric = metricKey.split(",", 2)[0];
        try {
            JsonNode metrics = JSON.readTree(String.valueOf(config)).path("metric_list");
            for (JsonNode spec : metrics) {
                if (spec.path("metric").asText().equals(metric) && spec.has("higher_is_better")) {
                    return LaxCoercion.toBoolean(JSON.treeToValue(spec.get("higher_is_better"), Object.class))
                            .orElse(true);
                }
            }
        } catch (JsonProcessingException e) {
            // the evaluator reports a configuration it cannot read; the default direction stands here
        }
        return !LOWER_IS_BETTER.contains(metric);
    }

    /**
     * A model reference as mergekit reads one: a path (relative to the working directory), {@code MODEL+LORA}, or
     * a Hugging Face id {@code org/name[@revision]} found in the local hub cache.
     */
    private Path model(Object value, String key) {
        if (value instanceof Map<?, ?>) {
            throw error(key, "'" + key + "': write the model as text (PATH, org/name@revision or MODEL+LORA);"
                    + " the mapping form is not read here");
        }
        String reference = text(value, key);
        Optional<String[]> lora = LoraReference.split(reference);
        Path whole = PathInput.resolve(options.workingDirectory(), reference, where(key) + ": '" + key + "'")
                .normalize();
        if (lora.isPresent() && !Files.exists(whole)) {
            return new LoraReference(model(lora.get()[0], key), model(lora.get()[1], key)).path();
        }
        if (!Files.exists(whole)) {
            Optional<Path> cached = HubCacheModels.of(options.environment(), options.userHome())
                    .resolve(reference, where(key) + ": '" + key + "'", List.of(whole));
            if (cached.isPresent()) {
                return cached.get();
            }
        }
        return whole;
    }

    private String where(String key) {
        if (locations == null) {
            locations = YamlKeyLocations.of(text);
        }
        return locations.where(file, key);
    }

    private EvomergeException error(String key, String message) {
        return EvomergeException.configuration((key.isEmpty() ? file.toString() : where(key)) + ": " + message);
    }

    private static Optional<Object> present(Map<String, Object> map, String key) {
        return Optional.ofNullable(map.get(key));
    }

    private Object require(Map<String, Object> map, String key, String prefix) {
        Object value = map.get(key);
        if (value == null) {
            throw error(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1), "'" + prefix + key
                    + "' is missing");
        }
        return value;
    }

    private void checkKeys(Map<String, Object> map, Set<String> allowed, String prefix) {
        for (String key : map.keySet()) {
            if (!allowed.contains(key)) {
                throw error(prefix + key, "unknown key '" + prefix + key + "' in a mergekit-evolve configuration"
                        + ClosestNames.hint(key, allowed) + "; known" + (prefix.isEmpty() ? "" : " in '"
                        + prefix.substring(0, prefix.length() - 1) + "'") + ": "
                        + String.join(", ", new TreeSet<>(allowed)));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> mapping(Object value, String key, String what) {
        String named = key.isEmpty() ? what : "'" + what + "'";
        if (!(value instanceof Map<?, ?> map) || map.keySet().stream().anyMatch(k -> !(k instanceof String))) {
            throw error(key, named + " must be a mapping with text keys, got " + (value == null ? "nothing" : value));
        }
        return (Map<String, Object>) map;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object value, String key) {
        if (!(value instanceof List<?>)) {
            throw error(key, "'" + key + "' must be a list, got " + value);
        }
        return (List<Object>) value;
    }

    private String text(Object value, String key) {
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            throw error(key, "'" + key + "' must be text, got " + value);
        }
        return value.toString();
    }

    private boolean bool(Object value, String key) {
        return LaxCoercion.toBoolean(value).orElseThrow(() -> error(key, "'" + key + "' must be true or false, got "
                + value));
    }

    private long integer(Object value, String key, long min, long max) {
        long v = LaxCoercion.toInteger(value).orElseThrow(() -> error(key, "'" + key + "' must be a whole number, got "
                + value));
        if (v < min || v > max) {
            throw error(key, "'" + key + "' must be in [" + min + ", " + max + "], got " + v);
        }
        return v;
    }

    private double number(Object value, String key) {
        double v = LaxCoercion.toNumber(value).orElseThrow(() -> error(key, "'" + key + "' must be a number, got "
                + value));
        if (!Double.isFinite(v)) {
            throw error(key, "'" + key + "' must be a finite number, got " + value);
        }
        return v;
    }
}
