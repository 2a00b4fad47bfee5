package org.evomerge.plugins.evaluation.lmeval;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Pattern;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.plugins.evaluation.ScoringModel;

/**
 * One lm-evaluation-harness task run on one model, as lm-eval's evaluator runs it: each evaluated document's prompt
 * (few-shot examples drawn in document order), its requests scored ({@code loglikelihood}: the target's
 * log-likelihood and whether it is the greedy continuation; {@code loglikelihood_rolling}: the document's whole
 * log-likelihood; {@code multiple_choice}: each choice's log-likelihood after the target delimiter;
 * {@code generate_until}: the greedy response cut at the stop texts), the responses through each filter pipeline,
 * {@code process_results} per document, then each metric aggregated with its standard error under lm-eval's keys
 * ({@code acc,none}, {@code acc_stderr,none}).
 */
final class LmEvalRun {

    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    /**
     * What a task run is given besides the model.
     *
     * @param docs the evaluated documents with their index in the evaluated split
     * @param fewshotDocs the few-shot pool
     * @param fewshotFromEvalSplit whether the few-shot pool is the evaluated split (each document is left out of its
     *     own examples)
     * @param numFewshot examples per prompt
     * @param fewshotSeed the seed of the few-shot sampler
     * @param bootstrapIterations bootstrap resamples for standard errors (0: none)
     * @param multipleInput whether questions are indices into the choices (one prompt per choice)
     */
    record Plan(List<IndexedDoc> docs, List<Map<String, Object>> fewshotDocs, boolean fewshotFromEvalSplit,
                int numFewshot, long fewshotSeed, String systemInstruction, boolean applyChatTemplate,
                boolean fewshotAsMultiturn, int bootstrapIterations, boolean multipleInput) {
    }

    /** A document and its index in the evaluated split ({@code doc_id}). */
    record IndexedDoc(int id, Map<String, Object> doc) {
    }

    /** What one document gave: the requests' arguments and responses, and per filter its metric values. */
    record DocOutcome(IndexedDoc doc, Object target, List<List<Object>> arguments, List<List<String>> responses,
                      Map<String, List<Object>> filtered, Map<String, Map<String, double[]>> metrics,
                      Map<String, Map<String, Object>> loggedMetrics) {
    }

    /**
     * The run's result.
     *
     * @param result metrics under lm-eval's keys, and the score
     * @param outcomes each document's requests, responses and metrics (for {@code --log-samples})
     */
    record Outcome(EvaluationResult result, List<DocOutcome> outcomes) {
    }

    private final LmEvalTaskConfig config;
    private final DocFormatter format;
    private final PythonFormat python;
    private final Plan plan;
    private final String scoreKey;
    private final boolean scoreHigherIsBetter;

    LmEvalRun(LmEvalTaskConfig config, DocFormatter format, PythonFormat python, Plan plan, String scoreKey,
              boolean scoreHigherIsBetter) {
        this.config = config;
        this.format = format;
        this.python = python;
        this.plan = plan;
        this.scoreKey = scoreKey;
        this.scoreHigherIsBetter = scoreHigherIsBetter;
    }

    Outcome run(ScoringModel model) {
        FewshotSampler sampler = new FewshotSampler(config.fewshot.sampler(), plan.fewshotDocs(),
                config.fewshot.indices(), plan.fewshotSeed());
        PromptBuilder prompts = new PromptBuilder(config, format, sampler, plan.numFewshot(), plan.systemInstruction(),
                plan.applyChatTemplate(), plan.fewshotAsMultiturn(), plan.multipleInput());
        List<DocOutcome> outcomes = new ArrayList<>();
        for (IndexedDoc doc : plan.docs()) {
            if (config.outputType.equals("loglikelihood_rolling")) {
                // A rolling log-likelihood scores the document alone; its prompt would go unused.
                outcomes.add(rolling(doc, model));
                continue;
            }
            PromptBuilder.Prompt prompt = prompts.build(doc.doc(), plan.fewshotFromEvalSplit(), model);
            outcomes.add(switch (config.outputType) {
                case "loglikelihood" -> loglikelihood(doc, prompt, model);
                case "multiple_choice" -> multipleChoice(doc, prompt, model);
                default -> generate(doc, prompt, model);
            });
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        List<Double> itemScores = new ArrayList<>();
        for (LmEvalTaskConfig.FilterSpec filter : config.filters) {
            for (LmEvalTaskConfig.MetricSpec metric : config.metrics) {
                List<double[]> items = new ArrayList<>();
                for (DocOutcome outcome : outcomes) {
                    items.add(outcome.metrics().get(filter.name()).get(metric.name()));
                }
                // A mean's per-document values are the items the score averages (for paired tests and subset
                // estimates); other aggregations are not a mean of per-item contributions, so they report none.
                if ((metric.name() + "," + filter.name()).equals(scoreKey) && metric.aggregation().equals("mean")) {
                    for (double[] item : items) {
                        itemScores.add(scoreHigherIsBetter ? item[0] : -item[0]);
                    }
                }
                metrics.put(metric.name() + "," + filter.name(), LmEvalMetrics.aggregate(metric.aggregation(), items));
                OptionalDouble stderr = LmEvalMetrics.standardError(metric.aggregation(), items,
                        plan.bootstrapIterations());
                stderr.ifPresent(e -> metrics.put(metric.name() + "_stderr," + filter.name(), e));
            }
        }
        double value = metrics.get(scoreKey);
        return new Outcome(new EvaluationResult(metrics, scoreHigherIsBetter ? value : -value, itemScores),
                outcomes);
    }

    private boolean wants(String metric) {
        return config.metrics.stream().anyMatch(m -> m.name().equals(metric));
    }

    private String targetText(Object target) {
        if (target instanceof String text) {
            return text;
        }
        throw config.error("the target is " + target + ", not text, so it cannot be scored as a continuation");
    }

    private DocOutcome loglikelihood(IndexedDoc doc, PromptBuilder.Prompt prompt, ScoringModel model) {
        Object target = format.target(doc.doc(), config.docToTarget);
        String continuation = targetText(target);
        String context = prompt.only();
        double ll = model.logLikelihood(context, continuation).sum();
        boolean greedy = wants("acc") && model.isGreedy(context, continuation);
        Map<String, double[]> values = new LinkedHashMap<>();
        Map<String, Object> logged = new LinkedHashMap<>();
        if (wants("perplexity")) {
            values.put("perplexity", new double[] {ll});
            logged.put("perplexity", ll);
        }
        if (wants("acc")) {
            values.put("acc", new double[] {greedy ? 1 : 0});
            logged.put("acc", greedy ? 1 : 0);
        }
        String response = python.pair(ll, greedy);
        return outcome(doc, target, List.of(List.of(context, continuation)), List.of(repeat(response)),
                response, values, logged);
    }

    private DocOutcome rolling(IndexedDoc doc, ScoringModel model) {
        Object target = format.target(doc.doc(), config.docToTarget);
        String text = targetText(target);
        double ll = model.rollingLogLikelihood(text).sum();
        int words = WHITESPACE.split(text, -1).length;
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        Map<String, double[]> values = new LinkedHashMap<>();
        Map<String, Object> logged = new LinkedHashMap<>();
        for (String metric : List.of("word_perplexity", "byte_perplexity", "bits_per_byte")) {
            if (wants(metric)) {
                int weight = metric.equals("word_perplexity") ? words : bytes;
                values.put(metric, new double[] {ll, weight});
                logged.put(metric, List.of(ll, weight));
            }
        }
        String response = python.str(ll);
        return outcome(doc, target, List.of(List.of(text)), List.of(repeat(response)), response, values, logged);
    }

    private DocOutcome multipleChoice(IndexedDoc doc, PromptBuilder.Prompt prompt, ScoringModel model) {
        List<String> choices = format.choices(doc.doc(), config.docToChoice);
        String delimiter = config.targetDelimiter;
        if (plan.applyChatTemplate()) {
            // lm-eval: after a chat prompt the choice follows the assistant's turn directly, unless a prefix that
            // does not end in whitespace precedes it.
            delimiter = config.genPrefix.isPresent() && !config.genPrefix.get().isEmpty()
                    && !ResponseFilters.isSpace(config.genPrefix.get().charAt(config.genPrefix.get().length() - 1))
                    ? config.targetDelimiter : "";
        }
        List<List<Object>> arguments = new ArrayList<>();
        if (prompt.multipleInput()) {
            String continuation = delimiter + targetText(format.target(doc.doc(), config.docToTarget));
            for (String context : prompt.contexts()) {
                arguments.add(List.of(context, continuation));
            }
        } else {
            for (String choice : choices) {
                arguments.add(List.of(prompt.only(), delimiter + choice));
            }
        }
        double[] lls = new double[arguments.size()];
        boolean[] greedy = new boolean[arguments.size()];
        List<List<String>> responses = new ArrayList<>();
        List<Object> filteredResponses = new ArrayList<>();
        for (int i = 0; i < arguments.size(); i++) {
            String context = (String) arguments.get(i).get(0);
            String continuation = (String) arguments.get(i).get(1);
            lls[i] = model.logLikelihood(context, continuation).sum();
            greedy[i] = wants("exact_match") && model.isGreedy(context, continuation);
            String response = python.pair(lls[i], greedy[i]);
            responses.add(repeat(response));
            filteredResponses.add(response);
        }
        Object gold = prompt.multipleInput() ? format.text(doc.doc(), config.docToText)
                : format.target(doc.doc(), config.docToTarget);
        int pred = argmax(lls, null);
        double[] lengths = new double[choices.size()];
        double[] bytes = new double[choices.size()];
        for (int i = 0; i < choices.size(); i++) {
            lengths[i] = choices.get(i).codePointCount(0, choices.get(i).length());
            bytes[i] = choices.get(i).getBytes(StandardCharsets.UTF_8).length;
        }
        int predNorm = argmax(lls, lengths);
        int predBytes = argmax(lls, bytes);
        Map<String, double[]> values = new LinkedHashMap<>();
        Map<String, Object> logged = new LinkedHashMap<>();
        List<Integer> golds = golds(gold, choices);
        boolean multipleTarget = gold instanceof List<?>;
        double acc = multipleTarget ? (golds.contains(pred) ? 1 : 0) : (golds.getFirst() == pred ? 1 : 0);
        double accNorm = multipleTarget ? (golds.contains(predNorm) ? 1 : 0) : (golds.getFirst() == predNorm ? 1 : 0);
        double accBytes = multipleTarget ? (golds.contains(predBytes) ? 1 : 0)
                : (golds.getFirst() == predBytes ? 1 : 0);
        double exact = 0;
        for (int g : golds) {
            if (g >= 0 && g < greedy.length && greedy[g]) {
                exact = 1;
            }
        }
        for (LmEvalTaskConfig.MetricSpec metric : config.metrics) {
            double value = switch (metric.name()) {
                case "acc" -> acc;
                case "acc_norm" -> accNorm;
                case "acc_bytes" -> accBytes;
                default -> exact;
            };
            values.put(metric.name(), new double[] {value});
            logged.put(metric.name(), metric.name().equals("exact_match") ? (Object) (int) value : (Object) value);
        }
        return outcome(doc, gold, arguments, responses, filteredResponses, values, logged);
    }

    /** lm-eval's gold indices: a number, a choice's text, or a list of numbers; -100 where outside the choices. */
    private static List<Integer> golds(Object gold, List<String> choices) {
        List<Integer> indices = new ArrayList<>();
        if (gold instanceof List<?> list) {
            for (Object item : list) {
                indices.add(item instanceof Number n && n.longValue() < choices.size() ? n.intValue() : -100);
            }
        } else if (gold instanceof Number n) {
            indices.add(n.longValue() < choices.size() ? n.intValue() : -100);
        } else if (gold instanceof String text) {
            int at = choices.indexOf(text);
            indices.add(at >= 0 ? at : -100);
        } else {
            indices.add(-100);
        }
        return indices;
    }

    /** numpy's {@code argmax(lls / divisors)}: the first largest (a NaN counts as largest). */
    private static int argmax(double[] lls, double[] divisors) {
        int best = 0;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < lls.length; i++) {
            double value = divisors == null ? lls[i] : lls[i] / divisors[i];
            if (Double.isNaN(value)) {
                return i;
            }
            if (i == 0 || value > bestValue) {
                best = i;
                bestValue = value;
            }
        }
        return best;
    }

    private DocOutcome generate(IndexedDoc doc, PromptBuilder.Prompt prompt, ScoringModel model) {
        String context = prompt.only();
        String response = model.generate(context, config.generation.maxGenToks(), config.generation.until());
        for (String stop : config.generation.until()) {
            if (!stop.isEmpty()) {
                int at = response.indexOf(stop);
                if (at >= 0) {
                    response = response.substring(0, at);
                }
            }
        }
        List<String> responses = repeat(response);
        Object target = format.target(doc.doc(), config.docToTarget);
        Map<String, Object> generationArguments = new LinkedHashMap<>(config.raw.get("generation_kwargs")
                instanceof Map<?, ?> given ? stringKeys(given) : Map.of());
        generationArguments.put("until", config.generation.until());
        Map<String, Map<String, double[]>> metrics = new LinkedHashMap<>();
        Map<String, Map<String, Object>> logged = new LinkedHashMap<>();
        Map<String, List<Object>> filtered = new LinkedHashMap<>();
        for (LmEvalTaskConfig.FilterSpec filter : config.filters) {
            Object result = ResponseFilters.apply(filter, responses);
            filtered.put(filter.name(), List.of(result instanceof List<?> list ? python.str(list) : result));
            String prediction = result instanceof String text ? text : python.str(result);
            Object gold = target;
            if (config.docToChoice != null) {
                List<String> choices = format.choices(doc.doc(), config.docToChoice);
                gold = target instanceof Number n ? choices.get(n.intValue()) : target;
            }
            Map<String, double[]> values = new LinkedHashMap<>();
            Map<String, Object> loggedValues = new LinkedHashMap<>();
            for (LmEvalTaskConfig.MetricSpec metric : config.metrics) {
                double value;
                if (gold instanceof List<?> golds) {
                    value = 0;
                    for (Object one : golds) {
                        if (LmEvalMetrics.exactMatch(prediction, python.str(one), metric.options()) > 0) {
                            value = 1;
                        }
                    }
                } else {
                    value = LmEvalMetrics.exactMatch(prediction, python.str(gold), metric.options());
                }
                values.put(metric.name(), new double[] {value});
                loggedValues.put(metric.name(), value);
            }
            metrics.put(filter.name(), values);
            logged.put(filter.name(), loggedValues);
        }
        List<Object> arguments = new ArrayList<>();
        arguments.add(context);
        arguments.add(generationArguments);
        return new DocOutcome(doc, target, List.of(arguments), List.of(responses), filtered, metrics, logged);
    }

    private static Map<String, Object> stringKeys(Map<?, ?> map) {
        Map<String, Object> result = new LinkedHashMap<>();
        map.forEach((k, v) -> result.put(String.valueOf(k), v));
        return result;
    }

    private List<String> repeat(String response) {
        return Collections.nCopies(config.repeats, response);
    }

    /** An outcome of a log-likelihood task: every filter ({@code take_first}) sees the same values. */
    private DocOutcome outcome(IndexedDoc doc, Object target, List<List<Object>> arguments,
                               List<List<String>> responses, Object filteredResponse, Map<String, double[]> values,
                               Map<String, Object> logged) {
        Map<String, List<Object>> filtered = new LinkedHashMap<>();
        Map<String, Map<String, double[]>> metrics = new LinkedHashMap<>();
        Map<String, Map<String, Object>> loggedMetrics = new LinkedHashMap<>();
        for (LmEvalTaskConfig.FilterSpec filter : config.filters) {
            filtered.put(filter.name(), filteredResponse instanceof List<?> list ? new ArrayList<>(list)
                    : List.of(filteredResponse));
            metrics.put(filter.name(), values);
            loggedMetrics.put(filter.name(), logged);
        }
        return new DocOutcome(doc, target, arguments, responses, filtered, metrics, loggedMetrics);
    }
}
