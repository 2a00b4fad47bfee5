package org.evomerge.plugins.evaluation.lmeval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.inference.InferenceEngine;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.template.JinjaTemplates;
import org.evomerge.plugins.evaluation.JsonlDataset;
import org.evomerge.plugins.evaluation.LocalScoringModel;
import org.evomerge.plugins.evaluation.lmeval.data.DatasetLocator;
import org.evomerge.plugins.evaluation.lmeval.data.DocumentReader;
import org.pf4j.Extension;

/**
 * An lm-evaluation-harness task ({@code output_type} multiple_choice, loglikelihood, loglikelihood_rolling or
 * generate_until), run in-process with lm-eval's prompts, scoring, filters, metrics and standard errors; the engine
 * resolves task files and names ({@code --task}, {@code --task-search-path}) into {@code task}, {@code config} (the
 * resolved configuration as JSON) and {@code task_file}. Metrics are reported under lm-eval's keys
 * ({@code acc,none}, {@code acc_stderr,none}); the score is {@code metric} (by default the first metric of the first
 * filter), negated when lower is better (perplexities).
 */
@Extension
public class LmEvalEvaluatorFactory implements EvaluatorFactory {

    static final String ID = "lm-eval";

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor(ID, "1.0.0", ExtensionKind.EVALUATOR,
            "An lm-evaluation-harness task (YAML): its prompts, scoring, filters and metrics, run in-process.",
            new ParameterSchema(List.of(
                    text("task", null, "the task's name").asRequired(),
                    text("config", null, "the task's configuration as JSON, as the engine resolved it from its"
                            + " YAML files").asRequired(),
                    new ParameterSpec("task_file", ParameterType.PATH, null, null, null, List.of(), true,
                            ParameterScope.GLOBAL, "the task's YAML file (relative dataset paths are read against"
                            + " its folder)"),
                    text("metric", "", "the metric used as score, by lm-eval's key (acc,none); empty: the first"
                            + " metric of the first filter; negated when lower is better"),
                    ParameterSpec.integer("num_fewshot", -1, -1L, 10_000L, "few-shot examples (-1: the task's;"
                            + " a task that sets 0 keeps 0, as in lm-eval)"),
                    ParameterSpec.bool("apply_chat_template", false, "render prompts with the model's chat template"),
                    ParameterSpec.bool("fewshot_as_multiturn", false, "with apply_chat_template: few-shot examples"
                            + " as separate chat turns"),
                    text("system_instruction", "", "a system message before the prompt"),
                    ParameterSpec.integer("fewshot_seed", 1234, null, null, "seed of the few-shot sampler"
                            + " (lm-eval's fewshot_random_seed)"),
                    ParameterSpec.integer("bootstrap_iters", 100_000, 0L, 10_000_000L, "resamples of bootstrap"
                            + " standard errors (0: no standard errors)"),
                    new ParameterSpec("limit", ParameterType.NUMBER, null, 0.0, null, List.of(), false,
                            ParameterScope.GLOBAL, "the first documents only: a count (>= 1) or a fraction (< 1)"),
                    new ParameterSpec("sample", ParameterType.NUMBER, null, 0.0, null, List.of(), false,
                            ParameterScope.GLOBAL, "a seeded subsample of the documents: a count (>= 1) or a"
                            + " fraction (< 1); nested for growing sizes"),
                    ParameterSpec.integer("sample_seed", 0, null, null, "seed of the subsample"),
                    new ParameterSpec("items", ParameterType.STRING, null, null, null, List.of(), false,
                            ParameterScope.GLOBAL, "only these documents, by index in the split: comma-separated,"
                            + " increasing (evolve's subset_estimate anchors)"),
                    text("log_samples", "", "folder to write each document's prompt, responses and metrics to"
                            + " (samples_TASK_DATETIME.jsonl)"),
                    ParameterSpec.integer("max_length", 0, 0L, (long) Integer.MAX_VALUE,
                            "longest sequence scored at once, in tokens (0: the model's maximum)"))),
            Set.of(Capability.NEEDS_TOKENIZER));

    /** The documents at the indices {@code list} names (comma-separated, increasing, within the split). */
    private static List<LmEvalRun.IndexedDoc> items(LmEvalTaskConfig config, List<LmEvalRun.IndexedDoc> docs,
                                                    String list) {
        List<LmEvalRun.IndexedDoc> kept = new ArrayList<>();
        int previous = -1;
        for (String part : list.split(",")) {
            int index;
            try {
                index = Integer.parseInt(part.strip());
            } catch (NumberFormatException e) {
                throw config.error("'items' must be comma-separated document indices, got '" + part.strip() + "'");
            }
            if (index <= previous || index >= docs.size()) {
                throw config.error("'items' must be increasing document indices below " + docs.size() + ", got "
                        + index);
            }
            kept.add(docs.get(index));
            previous = index;
        }
        return kept;
    }

    private static ParameterSpec text(String name, String defaultValue, String description) {
        return new ParameterSpec(name, ParameterType.STRING, defaultValue, null, null, List.of(), false,
                ParameterScope.GLOBAL, description);
    }

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public List<Path> inputFiles(Parameters parameters) {
        LmEvalTaskConfig config = LmEvalTaskConfig.parse(parameters.string("task"), parameters.string("config"));
        return DatasetLocator.locate(datasetRequest(config, parameters)).files();
    }

    private static DatasetLocator.Request datasetRequest(LmEvalTaskConfig config, Parameters parameters) {
        Path taskFile = Path.of(parameters.string("task_file")).toAbsolutePath();
        return new DatasetLocator.Request(config.task, config.datasetPath.orElseThrow(), config.datasetName,
                config.datasetKwargs, taskFile.getParent(), Path.of("").toAbsolutePath(), System.getenv());
    }

    @Override
    public Evaluator create(Parameters parameters, RunContext context) {
        InferenceEngine engine = context.service(InferenceEngine.class).orElseThrow(() -> new EvomergeException(
                ErrorCategory.CONFIGURATION, ID + ": this evomerge has no inference engine to run models with"));
        JinjaTemplates jinja = context.service(JinjaTemplates.class).orElseThrow(() -> new EvomergeException(
                ErrorCategory.CONFIGURATION, ID + ": this evomerge has no Jinja template service for task templates"));
        LmEvalTaskConfig config = LmEvalTaskConfig.parse(parameters.string("task"), parameters.string("config"));
        if (config.docToText == null && !config.outputType.equals("loglikelihood_rolling")) {
            throw config.error("'doc_to_text' is missing");
        }
        if (config.docToTarget == null) {
            throw config.error("'doc_to_target' is missing");
        }
        if (config.outputType.equals("multiple_choice") && config.docToChoice == null) {
            throw config.error("output_type multiple_choice needs 'doc_to_choice'");
        }
        String scoreKey = parameters.string("metric").isEmpty() ? config.metricKeys().getFirst()
                : parameters.string("metric");
        if (!config.metricKeys().contains(scoreKey)) {
            throw config.error("parameter 'metric' is '" + scoreKey + "', which the task does not report (it reports "
                    + String.join(", ", config.metricKeys()) + ")");
        }
        String scoreMetric = scoreKey.substring(0, scoreKey.indexOf(','));
        boolean higherIsBetter = config.metrics.stream().filter(m -> m.name().equals(scoreMetric)).findFirst()
                .orElseThrow().higherIsBetter();

        DatasetLocator.Found found = DatasetLocator.locate(datasetRequest(config, parameters));
        String evalSplit = config.testSplit.or(() -> config.validationSplit).orElseThrow();
        List<Map<String, Object>> evalDocs = split(config, found, evalSplit);
        if (evalDocs.isEmpty()) {
            throw EvomergeException.input("lm-eval task '" + config.task + "': split '" + evalSplit + "' of "
                    + found.where() + " has no documents", null);
        }
        Set<String> features = new LinkedHashSet<>(evalDocs.getFirst().keySet());
        DocFormatter format = new DocFormatter(jinja, config, features);

        List<LmEvalRun.IndexedDoc> docs = new ArrayList<>();
        for (int i = 0; i < evalDocs.size(); i++) {
            docs.add(new LmEvalRun.IndexedDoc(i, evalDocs.get(i)));
        }
        if (parameters.has("limit")) {
            double limit = parameters.number("limit");
            int count = limit < 1 ? (int) Math.ceil(docs.size() * limit) : (int) Math.min(docs.size(), (long) limit);
            docs = docs.subList(0, Math.max(0, count));
        }
        if (parameters.has("sample")) {
            docs = JsonlDataset.sample(docs, parameters.number("sample"), parameters.integer("sample_seed"));
        }
        if (parameters.has("items")) {
            docs = items(config, docs, parameters.string("items"));
        }
        if (docs.isEmpty()) {
            throw config.error("'limit' leaves no documents to evaluate");
        }

        int numFewshot = config.numFewshot.orElse(0);
        long given = parameters.integer("num_fewshot");
        if (given >= 0 && !(config.numFewshot.isPresent() && config.numFewshot.get() == 0)) {
            numFewshot = (int) given;
        }
        List<Map<String, Object>> fewshotDocs = List.of();
        if (numFewshot > 0) {
            fewshotDocs = fewshotDocs(config, found);
        }
        boolean fewshotFromEvalSplit = Objects.equals(config.fewshot.split().orElse(null),
                config.testSplit.orElse(null));
        Object firstText = format.text(evalDocs.getFirst(), config.docToText == null ? "" : config.docToText);
        boolean multipleInput = config.docToChoice != null && firstText instanceof Number;
        LmEvalRun.Plan plan = new LmEvalRun.Plan(docs, fewshotDocs, fewshotFromEvalSplit, numFewshot,
                parameters.integer("fewshot_seed"), parameters.string("system_instruction"),
                parameters.bool("apply_chat_template"), parameters.bool("fewshot_as_multiturn"),
                (int) parameters.integer("bootstrap_iters"), multipleInput);
        PythonFormat python = new PythonFormat(jinja);
        LmEvalRun run = new LmEvalRun(config, format, python, plan, scoreKey, higherIsBetter);
        int maxLength = (int) parameters.integer("max_length");
        Optional<Path> logSamples = parameters.string("log_samples").isEmpty() ? Optional.empty()
                : Optional.of(Path.of(parameters.string("log_samples")));
        return new Evaluator() {
            @Override
            public EvaluationResult evaluate(Model model) {
                LmEvalRun.Outcome outcome;
                try (LanguageModel language = engine.load(model)) {
                    outcome = run.run(new LocalScoringModel(language, engine.tokenizer(model), maxLength, ID));
                }
                logSamples.ifPresent(folder -> SampleLog.write(folder, config.task, outcome.outcomes(), config,
                        python));
                return outcome.result();
            }
        };
    }

    private static List<Map<String, Object>> split(LmEvalTaskConfig config, DatasetLocator.Found found, String split) {
        List<Path> files = found.splits().get(split);
        if (files == null) {
            throw EvomergeException.input("lm-eval task '" + config.task + "': the dataset at " + found.where()
                    + " has no split '" + split + "' (it has " + String.join(", ", found.splits().keySet())
                    + ")", null);
        }
        return DocumentReader.read(files, config.datasetKwargs);
    }

    /** lm-eval's few-shot pool: the few-shot split, the configuration's samples, else training, validation, test. */
    private static List<Map<String, Object>> fewshotDocs(LmEvalTaskConfig config, DatasetLocator.Found found) {
        if (config.fewshot.split().isPresent()) {
            return split(config, found, config.fewshot.split().get());
        }
        if (config.fewshot.samples().isPresent()) {
            return config.fewshot.samples().get();
        }
        for (Optional<String> split : List.of(config.trainingSplit, config.validationSplit, config.testSplit)) {
            if (split.isPresent()) {
                return split(config, found, split.get());
            }
        }
        throw config.error("num_fewshot is set but the task names no split to take examples from");
    }
}
