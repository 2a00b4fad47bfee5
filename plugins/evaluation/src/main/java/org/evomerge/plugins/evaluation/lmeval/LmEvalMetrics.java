package org.evomerge.plugins.evaluation.lmeval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * lm-evaluation-harness's metrics, aggregations and standard errors ({@code lm_eval/api/metrics.py}): which metrics
 * an output type reports, how per-document values combine ({@code mean}, {@code median}, {@code perplexity} =
 * {@code exp(-mean)}, {@code weighted_perplexity} = {@code exp(-Σll / Σweight)}, {@code bits_per_byte} =
 * {@code -Σll / Σbytes / ln 2}), and each aggregation's standard error as lm-eval computes it: {@code mean} the sample
 * standard deviation over √n, {@code median} and {@code perplexity} by lm-eval's bootstrap (its seeded chunks of 1000
 * resamples, drawn with {@link PythonRandom} so the same resamples are taken), the weighted ones none ("N/A").
 * Sums run left to right, as Python's {@code sum} before 3.12.
 */
final class LmEvalMetrics {

    private static final Map<String, Set<String>> METRICS_BY_OUTPUT = Map.of(
            "loglikelihood", Set.of("perplexity", "acc"),
            "loglikelihood_rolling", Set.of("word_perplexity", "byte_perplexity", "bits_per_byte"),
            "multiple_choice", Set.of("acc", "acc_norm", "acc_bytes", "exact_match"),
            "generate_until", Set.of("exact_match"));
    private static final Set<String> WEIGHTED = Set.of("weighted_perplexity", "bits_per_byte");
    private static final Set<String> AGGREGATIONS = Set.of("mean", "median", "perplexity", "weighted_perplexity",
            "bits_per_byte");
    private static final Set<String> EXACT_MATCH_OPTIONS = Set.of("ignore_case", "ignore_punctuation",
            "ignore_numbers", "regexes_to_ignore");

    private LmEvalMetrics() {
    }

    static String defaultAggregation(String metric) {
        return switch (metric) {
            case "perplexity" -> "perplexity";
            case "word_perplexity", "byte_perplexity" -> "weighted_perplexity";
            case "bits_per_byte" -> "bits_per_byte";
            default -> "mean";
        };
    }

    static boolean defaultHigherIsBetter(String metric) {
        return !Set.of("perplexity", "word_perplexity", "byte_perplexity", "bits_per_byte").contains(metric);
    }

    /** Refuses a metric the output type does not report, an unknown aggregation, or options the metric lacks. */
    static void check(LmEvalTaskConfig config, LmEvalTaskConfig.MetricSpec spec) {
        Set<String> supported = METRICS_BY_OUTPUT.get(config.outputType);
        if (!supported.contains(spec.name())) {
            throw config.error("metric '" + spec.name() + "' is not available for output_type " + config.outputType
                    + " (evomerge computes " + String.join(", ", supported.stream().sorted().toList()) + ")");
        }
        if (!AGGREGATIONS.contains(spec.aggregation())) {
            throw config.error("metric '" + spec.name() + "': aggregation '" + spec.aggregation() + "' is not one of "
                    + String.join(", ", AGGREGATIONS.stream().sorted().toList()));
        }
        boolean weightedMetric = spec.name().endsWith("perplexity") && !spec.name().equals("perplexity")
                || spec.name().equals("bits_per_byte");
        if (weightedMetric != WEIGHTED.contains(spec.aggregation())) {
            throw config.error("metric '" + spec.name() + "' cannot be aggregated by '" + spec.aggregation() + "'");
        }
        for (String option : spec.options().keySet()) {
            if (!spec.name().equals("exact_match") || !EXACT_MATCH_OPTIONS.contains(option)) {
                throw config.error("metric '" + spec.name() + "' has no option '" + option + "'");
            }
        }
    }

    /**
     * The aggregate of per-document values: each item is {@code [value]}, or {@code [loglikelihood, weight]} for the
     * weighted aggregations.
     */
    static double aggregate(String aggregation, List<double[]> items) {
        return switch (aggregation) {
            case "mean" -> mean(first(items));
            case "median" -> median(first(items));
            case "perplexity" -> Math.exp(-mean(first(items)));
            case "weighted_perplexity" -> Math.exp(-weightedMean(items));
            case "bits_per_byte" -> -weightedMean(items) / Math.log(2);
            default -> throw new IllegalArgumentException(aggregation);
        };
    }

    /**
     * The standard error lm-eval reports for {@code aggregation}; empty where it reports "N/A": weighted aggregations,
     * a single item, or {@code bootstrapIterations} 0.
     */
    static OptionalDouble standardError(String aggregation, List<double[]> items, int bootstrapIterations) {
        if (bootstrapIterations <= 0 || items.size() < 2 || WEIGHTED.contains(aggregation)) {
            return OptionalDouble.empty();
        }
        double[] values = first(items);
        return switch (aggregation) {
            case "mean" -> OptionalDouble.of(sampleStddev(values) / Math.sqrt(values.length));
            case "median", "perplexity" -> OptionalDouble.of(bootstrap(aggregation, values, bootstrapIterations));
            default -> OptionalDouble.empty();
        };
    }

    /**
     * lm-eval's {@code bootstrap_stderr}: {@code iters // chunk} chunks of {@code chunk = min(1000, iters)}
     * resamples, chunk {@code i} drawn by {@code Random(i).choices(xs, k=len(xs))}; the sample standard deviation of
     * the statistic over all resamples.
     */
    static double bootstrap(String aggregation, double[] values, int iterations) {
        int chunk = Math.min(1000, iterations);
        int chunks = iterations / chunk;
        double[] statistics = new double[chunks * chunk];
        double[] resample = new double[values.length];
        int at = 0;
        for (int i = 0; i < chunks; i++) {
            PythonRandom random = new PythonRandom(i);
            for (int r = 0; r < chunk; r++) {
                int[] picks = random.choiceIndices(values.length, values.length);
                for (int j = 0; j < picks.length; j++) {
                    resample[j] = values[picks[j]];
                }
                statistics[at++] = aggregation.equals("median") ? median(resample)
                        : Math.exp(-mean(resample));
            }
        }
        return sampleStddev(statistics);
    }

    static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /** {@code sorted(arr)[len(arr) // 2]}: the upper median. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    static double sampleStddev(double[] values) {
        double mu = mean(values);
        double sum = 0;
        for (double v : values) {
            sum += (v - mu) * (v - mu);
        }
        return Math.sqrt(sum / (values.length - 1));
    }

    private static double weightedMean(List<double[]> items) {
        double a = 0;
        double b = 0;
        for (double[] item : items) {
            a += item[0];
        }
        for (double[] item : items) {
            b += item[1];
        }
        return a / b;
    }

    private static double[] first(List<double[]> items) {
        double[] values = new double[items.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = items.get(i)[0];
        }
        return values;
    }

    /**
     * lm-eval's {@code exact_match} (ported from Hugging Face evaluate): each regex of {@code regexes_to_ignore}
     * removed from both texts in order, then optionally lower-cased, punctuation ({@code string.punctuation}) and
     * digits removed; 1 when the texts are then equal.
     */
    static double exactMatch(String prediction, String reference, Map<String, Object> options) {
        String p = prediction;
        String r = reference;
        if (options.get("regexes_to_ignore") instanceof List<?> regexes) {
            for (Object regex : regexes) {
                PythonRegex pattern = PythonRegex.compile(String.valueOf(regex));
                p = pattern.sub("", p);
                r = pattern.sub("", r);
            }
        }
        if (Boolean.TRUE.equals(options.get("ignore_case"))) {
            p = pythonLower(p);
            r = pythonLower(r);
        }
        if (Boolean.TRUE.equals(options.get("ignore_punctuation"))) {
            p = remove(p, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
            r = remove(r, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
        }
        if (Boolean.TRUE.equals(options.get("ignore_numbers"))) {
            p = remove(p, "0123456789");
            r = remove(r, "0123456789");
        }
        return p.equals(r) ? 1.0 : 0.0;
    }

    private static String pythonLower(String text) {
        return text.toLowerCase(java.util.Locale.ROOT);
    }

    private static String remove(String text, String characters) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            if (characters.indexOf(text.charAt(i)) < 0) {
                out.append(text.charAt(i));
            }
        }
        return out.toString();
    }

    /** Values of one metric over the documents, for the aggregation. */
    static List<double[]> column(List<Map<String, double[]>> documents, String metric) {
        List<double[]> items = new ArrayList<>(documents.size());
        for (Map<String, double[]> document : documents) {
            items.add(document.get(metric));
        }
        return items;
    }
}
