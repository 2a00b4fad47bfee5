package org.evomerge.plugins.evaluation;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.evaluation.TaskWeights;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.Model;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A weighted combination of this plugin's evaluators, each on its own dataset. The {@code tasks} file (YAML) lists
 * {@code name}, {@code evaluator}, {@code weight} (default 1), {@code data} (relative to the file) and
 * {@code parameters}; the score is {@code Σ weight · score} ({@link TaskWeights}: the fitness {@code eval} and
 * {@code evolve} give the same sub-tasks listed as tasks of their own), and each sub-task's metrics are reported as
 * {@code NAME/METRIC} with its score as {@code NAME/score}. {@code sample} and {@code sample_seed}, when given here,
 * apply to every sub-task that does not set its own. Sub-task scores of different scales summed without any weight
 * given are logged as a warning ({@link TaskWeights#scaleWarning}), once per evaluator.
 */
@Extension
public class MultiTaskEvaluatorFactory implements EvaluatorFactory {

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("multi-task", "1.0.0",
            ExtensionKind.EVALUATOR, "Weighted combination of several evaluators, each with its own dataset.",
            ParameterSchema.of(
                    new ParameterSpec("tasks", ParameterType.PATH, null, null, null, List.of(), true,
                            ParameterScope.GLOBAL, "YAML file listing the sub-tasks (name, evaluator, weight, data,"
                                    + " parameters)"),
                    new ParameterSpec(DatasetParameters.SAMPLE, ParameterType.NUMBER, null, 0.0, null, List.of(), false,
                            ParameterScope.GLOBAL, "default sample (count or fraction) of every sub-task"),
                    new ParameterSpec(DatasetParameters.SAMPLE_SEED, ParameterType.INTEGER, null, null, null,
                            List.of(), false, ParameterScope.GLOBAL, "default sample seed of every sub-task")),
            Set.of());

    /** The evaluators a sub-task may name: this plugin's dataset evaluators. */
    static Map<String, EvaluatorFactory> subEvaluators() {
        Map<String, EvaluatorFactory> factories = new LinkedHashMap<>();
        for (EvaluatorFactory f : List.of(new PerplexityEvaluatorFactory(), new MultipleChoiceEvaluatorFactory(),
                new GenerationEvaluatorFactory(), new ClassificationEvaluatorFactory(),
                new OpenAiHttpEvaluatorFactory())) {
            factories.put(f.descriptor().id(), f);
        }
        return factories;
    }

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    private record SubTask(String name, double weight, Evaluator evaluator) {
    }

    @Override
    public Evaluator create(Parameters parameters, RunContext context) {
        Path file = Path.of(parameters.string("tasks")).toAbsolutePath();
        List<Map<String, Object>> entries = readEntries(file);
        Map<String, EvaluatorFactory> factories = subEvaluators();
        List<SubTask> tasks = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        try {
            for (int i = 0; i < entries.size(); i++) {
                Map<String, Object> entry = entries.get(i);
                String where = file + ": tasks[" + i + "]";
                for (String key : entry.keySet()) {
                    if (!Set.of("name", "evaluator", "weight", "data", "parameters").contains(key)) {
                        throw EvomergeException.configuration(where + ": unknown key '" + key
                                + "' (known: name, evaluator, weight, data, parameters)");
                    }
                }
                String evaluatorId = String.valueOf(entry.get("evaluator"));
                EvaluatorFactory factory = factories.get(evaluatorId);
                if (factory == null) {
                    throw EvomergeException.configuration(where + ": 'evaluator' must be one of " + factories.keySet()
                            + ", got '" + evaluatorId + "'");
                }
                String name = entry.get("name") == null ? evaluatorId : entry.get("name").toString();
                if (!names.add(name)) {
                    throw EvomergeException.configuration(where + ": task name '" + name + "' is used twice");
                }
                double weight = weight(entry.get("weight"), where);
                Map<String, Object> raw = new LinkedHashMap<>();
                Object given = entry.get("parameters");
                if (given instanceof Map<?, ?> map) {
                    map.forEach((k, v) -> raw.put(String.valueOf(k), v));
                } else if (given != null) {
                    throw EvomergeException.configuration(where + ": 'parameters' must be a mapping");
                }
                if (entry.get("data") != null) {
                    raw.put(DatasetParameters.DATA, file.getParent().resolve(entry.get("data").toString()).normalize()
                            .toString());
                }
                if (parameters.has(DatasetParameters.SAMPLE) && !raw.containsKey(DatasetParameters.SAMPLE)) {
                    raw.put(DatasetParameters.SAMPLE, parameters.number(DatasetParameters.SAMPLE));
                }
                if (parameters.has(DatasetParameters.SAMPLE_SEED) && !raw.containsKey(DatasetParameters.SAMPLE_SEED)) {
                    raw.put(DatasetParameters.SAMPLE_SEED, parameters.integer(DatasetParameters.SAMPLE_SEED));
                }
                Parameters validated = SchemaValidation.validate(factory.descriptor(), raw, where);
                tasks.add(new SubTask(name, weight, factory.create(validated, context)));
            }
        } catch (RuntimeException e) {
            tasks.forEach(t -> t.evaluator().close());
            throw e;
        }
        Map<String, Double> weights = new LinkedHashMap<>();
        tasks.forEach(t -> weights.put(t.name(), t.weight()));
        TaskWeights taskWeights = new TaskWeights(weights, entries.stream().anyMatch(e -> e.get("weight") != null));
        AtomicBoolean warned = new AtomicBoolean();
        return new Evaluator() {
            @Override
            public EvaluationResult evaluate(Model model) {
                Map<String, Double> metrics = new LinkedHashMap<>();
                Map<String, Double> scores = new LinkedHashMap<>();
                for (SubTask task : tasks) {
                    EvaluationResult result = task.evaluator().evaluate(model);
                    result.metrics().forEach((metric, value) -> metrics.put(task.name() + "/" + metric, value));
                    metrics.put(task.name() + "/score", result.score());
                    scores.put(task.name(), result.score());
                }
                taskWeights.scaleWarning(scores).filter(w -> !warned.getAndSet(true)).ifPresent(w -> context
                        .logger("evaluation").log(System.Logger.Level.WARNING,
                                DESCRIPTOR.id() + " " + file + ": " + w));
                return new EvaluationResult(metrics, taskWeights.fitness(scores));
            }

            @Override
            public void close() {
                tasks.forEach(t -> t.evaluator().close());
            }
        };
    }

    /**
     * {@code FILE:LINE:COLUMN: not valid YAML: problem (context at LINE:COLUMN)}, as the engine reports every other
     * YAML file (its reader is not part of the API a plugin sees).
     */
    static String syntaxError(Path file, MarkedYAMLException e) {
        String context = e.getContext() == null ? "" : " (" + e.getContext().strip()
                + (e.getContextMark() == null ? "" : " at " + position(e.getContextMark())) + ")";
        return file + (e.getProblemMark() == null ? "" : ":" + position(e.getProblemMark())) + ": not valid YAML: "
                + (e.getProblem() == null ? "syntax error" : e.getProblem().strip()) + context;
    }

    private static String position(Mark mark) {
        return (mark.getLine() + 1) + ":" + (mark.getColumn() + 1);
    }

    private static double weight(Object value, String where) {
        if (value == null) {
            return 1;
        }
        try {
            double w = value instanceof Number n ? n.doubleValue() : Double.parseDouble(value.toString());
            if (!(w > 0) || Double.isInfinite(w)) {
                throw new NumberFormatException();
            }
            return w;
        } catch (NumberFormatException e) {
            throw EvomergeException.configuration(where + ": 'weight' must be a positive number, got '" + value + "'");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> readEntries(Path file) {
        Object root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (NoSuchFileException e) {
            throw EvomergeException.configuration(file + ": no such tasks file");
        } catch (MarkedYAMLException e) {
            throw new EvomergeException(org.evomerge.api.ErrorCategory.CONFIGURATION, syntaxError(file, e), e);
        } catch (IOException | YAMLException e) {
            throw new EvomergeException(org.evomerge.api.ErrorCategory.CONFIGURATION, file + ": not valid YAML ("
                    + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        Object tasks = root instanceof Map<?, ?> map ? map.get("tasks") : null;
        if (!(tasks instanceof List<?> list) || list.isEmpty()) {
            throw EvomergeException.configuration(file + ": expected 'tasks:' with a non-empty list of sub-tasks");
        }
        List<Map<String, Object>> entries = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> entry)) {
                throw EvomergeException.configuration(file + ": tasks[" + i + "] must be a mapping");
            }
            entries.add((Map<String, Object>) entry);
        }
        return entries;
    }
}
