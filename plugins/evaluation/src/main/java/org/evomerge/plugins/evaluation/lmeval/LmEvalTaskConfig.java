package org.evomerge.plugins.evaluation.lmeval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.evomerge.api.EvomergeException;

/**
 * An lm-evaluation-harness task configuration ({@code lm_eval/config/task.py}'s {@code TaskConfig}) read from the JSON
 * the engine resolved from the task's YAML files, with lm-eval's defaults: {@code output_type} generate_until,
 * {@code target_delimiter} " ", {@code fewshot_delimiter} "\n\n", the default metrics of each output type, greedy
 * {@code generation_kwargs} stopping at the few-shot delimiter. What evomerge cannot do is refused here, before any
 * model runs, naming the task and the key.
 */
final class LmEvalTaskConfig {

    static final List<String> OUTPUT_TYPES = List.of("loglikelihood", "multiple_choice", "loglikelihood_rolling",
            "generate_until");
    private static final Set<String> KNOWN = Set.of("task", "task_alias", "tag", "custom_dataset", "dataset_path",
            "dataset_name", "dataset_kwargs", "training_split", "validation_split", "test_split", "fewshot_split",
            "process_docs", "doc_to_text", "doc_to_target", "doc_to_image", "doc_to_audio", "unsafe_code",
            "doc_to_choice", "process_results", "use_prompt", "description", "target_delimiter", "fewshot_delimiter",
            "fewshot_config", "num_fewshot", "metric_list", "output_type", "generation_kwargs", "repeats",
            "filter_list", "should_decontaminate", "doc_to_decontamination_query", "gen_prefix", "metadata");
    /** Keys that hold Python code or run a feature evomerge does not have; refused when set. */
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "custom_dataset", "builds its dataset with Python code",
            "process_docs", "preprocesses documents with Python code",
            "process_results", "scores with Python code",
            "use_prompt", "uses a promptsource prompt",
            "doc_to_image", "needs images (a multimodal model)",
            "doc_to_audio", "needs audio (a multimodal model)");
    private static final Set<String> FEWSHOT_KEYS = Set.of("sampler", "split", "process_docs", "fewshot_indices",
            "samples", "doc_to_text", "doc_to_choice", "doc_to_target", "gen_prefix", "fewshot_delimiter",
            "target_delimiter");
    private static final ObjectMapper JSON = new ObjectMapper();

    final String task;
    final String outputType;
    final Map<String, Object> raw;
    final Optional<String> datasetPath;
    final Optional<String> datasetName;
    final Map<String, Object> datasetKwargs;
    final Optional<String> trainingSplit;
    final Optional<String> validationSplit;
    final Optional<String> testSplit;
    final Object docToText;
    final Object docToTarget;
    final Object docToChoice;
    final Optional<String> description;
    final String targetDelimiter;
    final String fewshotDelimiter;
    final Optional<String> genPrefix;
    final Optional<Integer> numFewshot;
    final Fewshot fewshot;
    final List<MetricSpec> metrics;
    final List<FilterSpec> filters;
    final Generation generation;
    final int repeats;

    /**
     * The few-shot settings: {@code fewshot_config} over the task's own fields.
     *
     * @param sampler {@code default} (seeded random) or {@code first_n}
     * @param split the split few-shot examples come from, when set
     * @param samples examples written in the configuration ({@code fewshot_config.samples}), when set
     * @param indices the examples' indices into the split ({@code fewshot_indices}), when set
     */
    record Fewshot(String sampler, Optional<String> split, Optional<List<Map<String, Object>>> samples,
                   Optional<List<Integer>> indices, Object docToText, Object docToChoice, Object docToTarget,
                   Optional<String> genPrefix, String fewshotDelimiter, String targetDelimiter) {
    }

    /**
     * One {@code metric_list} entry.
     *
     * @param name the metric
     * @param aggregation how per-document values combine ({@code mean}, {@code median}, {@code perplexity},
     *     {@code weighted_perplexity}, {@code bits_per_byte})
     * @param higherIsBetter its direction
     * @param options the entry's other keys ({@code exact_match}'s {@code ignore_case}, ...)
     */
    record MetricSpec(String name, String aggregation, boolean higherIsBetter, Map<String, Object> options) {
    }

    /** A named filter pipeline: {@code filter_list[i]}, its functions with their options in order. */
    record FilterSpec(String name, List<Map<String, Object>> functions) {
    }

    /**
     * Greedy generation settings.
     *
     * @param until stop texts
     * @param maxGenToks the longest response, in tokens
     */
    record Generation(List<String> until, int maxGenToks) {
    }

    private LmEvalTaskConfig(String task, Map<String, Object> raw) {
        this.task = task;
        this.raw = raw;
        for (String key : raw.keySet()) {
            if (!KNOWN.contains(key)) {
                throw error("unknown key '" + key + "' (lm-eval's TaskConfig has no such field)");
            }
        }
        UNSUPPORTED.forEach((key, why) -> {
            if (raw.get(key) != null) {
                throw error("'" + key + "' " + why + ", which evomerge cannot run");
            }
        });
        if (Boolean.TRUE.equals(raw.get("unsafe_code"))) {
            throw error("'unsafe_code' is set: the task executes generated code, which evomerge does not do");
        }
        this.outputType = text("output_type").orElse("generate_until");
        if (!OUTPUT_TYPES.contains(outputType)) {
            throw error("'output_type' must be one of " + String.join(", ", OUTPUT_TYPES) + ", got '" + outputType
                    + "'");
        }
        this.datasetPath = text("dataset_path");
        this.datasetName = text("dataset_name");
        this.datasetKwargs = mapping("dataset_kwargs");
        this.trainingSplit = text("training_split");
        this.validationSplit = text("validation_split");
        this.testSplit = text("test_split");
        this.docToText = raw.get("doc_to_text");
        this.docToTarget = raw.get("doc_to_target");
        this.docToChoice = raw.get("doc_to_choice");
        this.description = text("description").filter(d -> !d.isEmpty());
        this.targetDelimiter = text("target_delimiter").orElse(" ");
        this.fewshotDelimiter = text("fewshot_delimiter").orElse("\n\n");
        this.genPrefix = text("gen_prefix");
        this.numFewshot = whole("num_fewshot");
        this.fewshot = fewshot();
        this.metrics = metrics();
        this.filters = filters();
        this.generation = generation();
        this.repeats = whole("repeats").orElse(1);
        if (repeats < 1) {
            throw error("'repeats' must be at least 1, got " + repeats);
        }
        if (datasetPath.isEmpty()) {
            throw error("'dataset_path' is missing: the task names no dataset");
        }
        if (testSplit.isEmpty() && validationSplit.isEmpty()) {
            throw error("neither 'test_split' nor 'validation_split' is set: the task has no documents to evaluate");
        }
    }

    /**
     * Reads the engine's JSON.
     *
     * @throws EvomergeException (configuration) naming the task and the key that cannot be used
     */
    static LmEvalTaskConfig parse(String task, String json) {
        Map<String, Object> raw;
        try {
            raw = JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw EvomergeException.configuration("lm-eval task '" + task + "': parameter 'config' is not a JSON object ("
                    + e.getOriginalMessage() + ")");
        }
        return new LmEvalTaskConfig(task, raw);
    }

    private Fewshot fewshot() {
        Map<String, Object> given = mapping("fewshot_config");
        for (String key : given.keySet()) {
            if (!FEWSHOT_KEYS.contains(key)) {
                throw error("unknown key 'fewshot_config." + key + "'");
            }
        }
        if (given.get("process_docs") != null) {
            throw error("'fewshot_config.process_docs' preprocesses documents with Python code, which evomerge cannot"
                    + " run");
        }
        String sampler = given.get("sampler") == null ? "default" : given.get("sampler").toString();
        if (!sampler.equals("default") && !sampler.equals("first_n")) {
            throw error("'fewshot_config.sampler' must be 'default' or 'first_n', got '" + sampler + "'");
        }
        Optional<String> split = given.containsKey("split") ? Optional.ofNullable(given.get("split"))
                .map(Object::toString) : text("fewshot_split");
        Optional<List<Map<String, Object>>> samples = Optional.empty();
        if (given.get("samples") instanceof List<?> list) {
            List<Map<String, Object>> docs = new ArrayList<>();
            for (Object item : list) {
                if (!(item instanceof Map<?, ?> map)) {
                    throw error("'fewshot_config.samples' must be a list of documents (mappings)");
                }
                Map<String, Object> doc = new LinkedHashMap<>();
                map.forEach((k, v) -> doc.put(String.valueOf(k), v));
                docs.add(doc);
            }
            samples = Optional.of(docs);
        } else if (given.get("samples") != null) {
            throw error("'fewshot_config.samples' must be a list of documents");
        }
        Optional<List<Integer>> indices = Optional.empty();
        if (given.get("fewshot_indices") instanceof List<?> list) {
            indices = Optional.of(list.stream().map(i -> ((Number) i).intValue()).toList());
        }
        return new Fewshot(sampler, split, samples, indices,
                given.getOrDefault("doc_to_text", raw.get("doc_to_text")),
                given.getOrDefault("doc_to_choice", raw.get("doc_to_choice")),
                given.getOrDefault("doc_to_target", raw.get("doc_to_target")),
                given.containsKey("gen_prefix") ? Optional.ofNullable(given.get("gen_prefix")).map(Object::toString)
                        : genPrefix,
                given.get("fewshot_delimiter") != null ? given.get("fewshot_delimiter").toString() : fewshotDelimiter,
                given.get("target_delimiter") != null ? given.get("target_delimiter").toString() : targetDelimiter);
    }

    /** lm-eval's default metrics per output type ({@code DEFAULT_METRIC_REGISTRY}). */
    private static List<String> defaultMetrics(String outputType) {
        return switch (outputType) {
            case "loglikelihood" -> List.of("perplexity", "acc");
            case "loglikelihood_rolling" -> List.of("word_perplexity", "byte_perplexity", "bits_per_byte");
            case "multiple_choice" -> List.of("acc", "acc_norm");
            default -> List.of("exact_match");
        };
    }

    private List<MetricSpec> metrics() {
        List<MetricSpec> specs = new ArrayList<>();
        Object given = raw.get("metric_list");
        if (given == null) {
            for (String name : defaultMetrics(outputType)) {
                specs.add(new MetricSpec(name, LmEvalMetrics.defaultAggregation(name),
                        LmEvalMetrics.defaultHigherIsBetter(name), Map.of()));
            }
        } else {
            if (!(given instanceof List<?> list)) {
                throw error("'metric_list' must be a list of mappings with 'metric'");
            }
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof Map<?, ?> entry) || !(entry.get("metric") instanceof String name)) {
                    throw error("'metric_list[" + i + "]' needs 'metric' (a metric name)");
                }
                Map<String, Object> options = new LinkedHashMap<>();
                entry.forEach((k, v) -> options.put(String.valueOf(k), v));
                options.remove("metric");
                Object aggregation = options.remove("aggregation");
                Object higher = options.remove("higher_is_better");
                if (Boolean.TRUE.equals(options.remove("hf_evaluate"))) {
                    throw error("'metric_list[" + i + "]': metric '" + name + "' from Hugging Face evaluate is not"
                            + " available");
                }
                specs.add(new MetricSpec(name, aggregation == null ? LmEvalMetrics.defaultAggregation(name)
                        : aggregation.toString(), higher instanceof Boolean b ? b
                        : LmEvalMetrics.defaultHigherIsBetter(name), options));
            }
        }
        for (MetricSpec spec : specs) {
            LmEvalMetrics.check(this, spec);
        }
        return specs;
    }

    private List<FilterSpec> filters() {
        Object given = raw.get("filter_list");
        if (given == null) {
            return List.of(new FilterSpec("none", List.of(Map.of("function", "take_first"))));
        }
        if (!(given instanceof List<?> list) || list.isEmpty()) {
            throw error("'filter_list' must be a non-empty list of {name, filter}");
        }
        List<FilterSpec> specs = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> entry) || entry.get("name") == null
                    || !(entry.get("filter") instanceof List<?> functions)) {
                throw error("'filter_list[" + i + "]' needs 'name' and 'filter' (a list of {function, ...})");
            }
            List<Map<String, Object>> steps = new ArrayList<>();
            for (Object function : functions) {
                if (!(function instanceof Map<?, ?> step) || !(step.get("function") instanceof String)) {
                    throw error("'filter_list[" + i + "].filter' entries need 'function'");
                }
                Map<String, Object> options = new LinkedHashMap<>();
                step.forEach((k, v) -> options.put(String.valueOf(k), v));
                steps.add(options);
            }
            FilterSpec spec = new FilterSpec(entry.get("name").toString(), steps);
            ResponseFilters.check(this, spec);
            specs.add(spec);
        }
        return specs;
    }

    private Generation generation() {
        Map<String, Object> given = mapping("generation_kwargs");
        if (!outputType.equals("generate_until")) {
            return new Generation(List.of(), 256);
        }
        List<String> until;
        Object stop = given.get("until");
        if (stop == null) {
            until = List.of(fewshotDelimiter);
        } else if (stop instanceof List<?> list) {
            until = list.stream().map(String::valueOf).toList();
        } else {
            until = List.of(stop.toString());
        }
        Integer maxGenToks = null;
        for (String alias : List.of("max_gen_toks", "max_new_tokens", "max_tokens", "max_completion_tokens")) {
            if (maxGenToks == null && given.get(alias) instanceof Number n) {
                maxGenToks = n.intValue();
            }
        }
        Object doSample = given.get("do_sample");
        double temperature = given.get("temperature") instanceof Number t ? t.doubleValue() : 0;
        boolean sampling = doSample == null ? temperature > 0 : Boolean.TRUE.equals(doSample);
        if (sampling) {
            throw error("'generation_kwargs' asks for sampling (do_sample: true or a temperature above 0); evomerge"
                    + " generates greedily (do_sample: false)");
        }
        int tokens = maxGenToks == null ? 256 : maxGenToks;
        if (tokens < 1) {
            throw error("'generation_kwargs.max_gen_toks' must be at least 1, got " + tokens);
        }
        return new Generation(until, tokens);
    }

    Optional<String> text(String key) {
        Object value = raw.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            throw error("'" + key + "' must be text, got " + value);
        }
        return Optional.of(value.toString());
    }

    private Optional<Integer> whole(String key) {
        Object value = raw.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw error("'" + key + "' must be a whole number, got " + value);
        }
        return Optional.of(n.intValue());
    }

    private Map<String, Object> mapping(String key) {
        Object value = raw.get(key);
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw error("'" + key + "' must be a mapping, got " + value);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        map.forEach((k, v) -> result.put(String.valueOf(k), v));
        return result;
    }

    /** The metric keys this task reports, {@code METRIC,FILTER}, in lm-eval's order (filters outer, metrics inner). */
    List<String> metricKeys() {
        List<String> keys = new ArrayList<>();
        for (FilterSpec filter : filters) {
            for (MetricSpec metric : metrics) {
                keys.add(metric.name() + "," + filter.name());
            }
        }
        return keys;
    }

    /** A configuration error about this task: {@code lm-eval task 'NAME': problem}. */
    EvomergeException error(String problem) {
        return EvomergeException.configuration("lm-eval task '" + task + "': " + problem);
    }

    /** The known keys, for messages. */
    static Set<String> knownKeys() {
        return new TreeSet<>(KNOWN);
    }
}
