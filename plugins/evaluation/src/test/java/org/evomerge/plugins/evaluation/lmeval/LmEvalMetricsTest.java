package org.evomerge.plugins.evaluation.lmeval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * lm-eval's aggregations and standard errors. The bootstrap values are what lm-eval's own algorithm
 * ({@code _bootstrap_internal_no_mp}: chunks of min(1000, iters) resamples, chunk i drawn by
 * {@code random.Random(i).choices}) printed under CPython 3.11 for the same values.
 */
class LmEvalMetricsTest {

    static final double[] XS = {-1.5, -0.25, -3.0, -2.0, -0.75};

    static List<double[]> items(double... values) {
        return java.util.Arrays.stream(values).mapToObj(v -> new double[] {v}).toList();
    }

    @Test
    void bootstrapStandardErrorsDrawTheSameResamplesAsLmEval() {
        assertEquals(2.2706354655354843, LmEvalMetrics.bootstrap("perplexity", XS, 2000), 1e-12);
        assertEquals(2.2065863601739135, LmEvalMetrics.bootstrap("perplexity", XS, 500), 1e-12);
        assertEquals(0.6701663965012712, LmEvalMetrics.bootstrap("median", XS, 2000), 1e-15);
        assertEquals(2.2706354655354843, LmEvalMetrics.standardError("perplexity", items(XS), 2000).getAsDouble(),
                1e-12);
    }

    @Test
    void meanStandardErrorIsTheSampleDeviationOverRootN() {
        assertEquals(0.4808846015417836, LmEvalMetrics.standardError("mean", items(XS), 100_000).getAsDouble(),
                1e-15);
        assertTrue(LmEvalMetrics.standardError("mean", items(1.0), 100_000).isEmpty(), "one item: N/A");
        assertTrue(LmEvalMetrics.standardError("mean", items(XS), 0).isEmpty(), "bootstrap_iters 0: N/A");
        assertTrue(LmEvalMetrics.standardError("weighted_perplexity", List.of(new double[] {-2, 3},
                new double[] {-4, 5}), 100_000).isEmpty(), "weighted aggregations have no standard error");
    }

    @Test
    void weightedAggregationsDivideTheSums() {
        List<double[]> items = List.of(new double[] {-6, 4}, new double[] {-2, 4});
        assertEquals(Math.exp(1.0), LmEvalMetrics.aggregate("weighted_perplexity", items), 1e-15);
        assertEquals(1.0 / Math.log(2), LmEvalMetrics.aggregate("bits_per_byte", items), 1e-15);
        assertEquals(Math.exp(1.5), LmEvalMetrics.aggregate("perplexity", items(-1, -2)), 1e-15);
        assertEquals(-1.5, LmEvalMetrics.aggregate("median", items(XS)), 0, "sorted(arr)[len // 2]");
    }

    @Test
    void exactMatchFollowsHuggingFaceEvaluate() {
        Map<String, Object> gsm8k = Map.of("ignore_case", true, "regexes_to_ignore",
                List.of(",", "\\$", "(?s).*#### ", "\\.$"));
        assertEquals(1.0, LmEvalMetrics.exactMatch("1,234", "He paid $1234.\n#### 1,234", gsm8k));
        assertEquals(0.0, LmEvalMetrics.exactMatch("1235", "#### 1234", gsm8k));
        assertEquals(1.0, LmEvalMetrics.exactMatch("The answer is B.", "the answer is b",
                Map.of("ignore_case", true, "ignore_punctuation", true)));
        assertEquals(1.0, LmEvalMetrics.exactMatch("a1b2", "ab", Map.of("ignore_numbers", true)));
        assertEquals(0.0, LmEvalMetrics.exactMatch("A", "a", Map.of()));
    }
}
