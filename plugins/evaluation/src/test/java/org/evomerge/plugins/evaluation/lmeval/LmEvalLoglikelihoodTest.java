package org.evomerge.plugins.evaluation.lmeval;

import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.evaluate;
import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.mean;
import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.meanStderr;
import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.withBos;
import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.evomerge.api.evaluation.EvaluationResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code loglikelihood} written as lm-eval's lambada_openai is (the last word of a text, its log-likelihood and whether
 * greedy decoding produces it) and {@code loglikelihood_rolling} as its wikitext is (word and byte perplexities, bits
 * per byte), against values computed from {@link ReferenceModel}'s formula: the rolling windows are lm-eval's
 * {@code get_rolling_token_windows} and {@code make_disjoint_window}, ported line by line below.
 */
class LmEvalLoglikelihoodTest {

    static final String[] TEXTS = {"the cat sat on the mat", "birds fly over the sea", "one two three four five"};
    static final String[] PAGES = {"A short page .", "A much longer page that needs several windows of context .\n"
            + " It continues here"};

    @TempDir
    Path temp;

    Path lambada(String extra) {
        StringBuilder data = new StringBuilder();
        for (String text : TEXTS) {
            data.append("{\"text\": \"").append(text).append("\"}\n");
        }
        write(temp, "lambada.jsonl", data.toString());
        return write(temp, "mini_lambada.yaml", """
                task: mini_lambada
                dataset_path: json
                dataset_kwargs:
                  data_files:
                    test: lambada.jsonl
                output_type: loglikelihood
                test_split: test
                doc_to_text: "{{text.split(' ')[:-1]|join(' ')}}"
                doc_to_target: "{{' '+text.split(' ')[-1]}}"
                metric_list:
                  - metric: perplexity
                    aggregation: perplexity
                    higher_is_better: false
                  - metric: acc
                    aggregation: mean
                    higher_is_better: true
                """ + extra);
    }

    static boolean greedy(int[] context, int[] continuation) {
        int[] all = Arrays.copyOf(context, context.length + continuation.length);
        System.arraycopy(continuation, 0, all, context.length, continuation.length);
        for (int i = context.length; i < all.length; i++) {
            if (ReferenceModel.greedy(Arrays.copyOf(all, i)) != all[i]) {
                return false;
            }
        }
        return true;
    }

    @Test
    void theLastWordsLogLikelihoodGivesPerplexityAndGreedyMatchesGiveAccuracy() {
        ReferenceModel model = new ReferenceModel();
        EvaluationResult result = evaluate(lambada(""), Map.of(), model);
        double[] lls = new double[TEXTS.length];
        double[] acc = new double[TEXTS.length];
        for (int i = 0; i < TEXTS.length; i++) {
            int space = TEXTS[i].lastIndexOf(' ');
            int[] context = withBos(TEXTS[i].substring(0, space));
            int[] target = ReferenceTokenizer.tokens(TEXTS[i].substring(space));
            lls[i] = ReferenceModel.sum(context, target);
            acc[i] = greedy(context, target) ? 1 : 0;
        }
        assertEquals(Math.exp(-mean(lls)), result.metrics().get("perplexity,none"), 1e-12);
        assertEquals(mean(acc), result.metrics().get("acc,none"), 1e-15);
        assertEquals(LmEvalMetrics.bootstrap("perplexity", lls, 100_000),
                result.metrics().get("perplexity_stderr,none"), 1e-9, "lm-eval's bootstrap over the documents");
        if (acc[0] == acc[1] && acc[1] == acc[2]) {
            assertFalse(result.metrics().containsKey("acc_stderr,none") && result.metrics().get("acc_stderr,none") != 0);
        } else {
            assertEquals(meanStderr(acc), result.metrics().get("acc_stderr,none"), 1e-15);
        }
        assertEquals(-Math.exp(-mean(lls)), result.score(), 1e-12, "lower is better, so the score is negated");
    }

    @Test
    void aGreedyContinuationCountsAsAccurateAndFieldNamesGiveTheirValues() throws Exception {
        // One document's target is exactly what the model decodes greedily after its context.
        int[] context = withBos("the dog");
        int[] all = context.clone();
        StringBuilder greedy = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            int next = ReferenceModel.greedy(all);
            greedy.append((char) next);
            all = Arrays.copyOf(all, all.length + 1);
            all[all.length - 1] = next;
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        write(temp, "greedy.jsonl", json.writeValueAsString(Map.of("ctx", "the dog", "cont", greedy.toString()))
                + "\n" + json.writeValueAsString(Map.of("ctx", "the dog", "cont", " zzz")) + "\n");
        Path task = write(temp, "greedy.yaml", """
                task: greedy
                dataset_path: json
                dataset_kwargs:
                  data_files:
                    test: greedy.jsonl
                output_type: loglikelihood
                test_split: test
                doc_to_text: ctx
                doc_to_target: cont
                metric_list:
                  - metric: acc
                """);
        EvaluationResult result = evaluate(task, Map.of(), new ReferenceModel());
        double second = greedy(context, ReferenceTokenizer.tokens(" zzz")) ? 1 : 0;
        assertEquals((1 + second) / 2, result.metrics().get("acc,none"), 0);
    }

    Path wikitext() {
        StringBuilder data = new StringBuilder();
        for (String page : PAGES) {
            data.append("{\"page\": \"").append(page.replace("\n", "\\n")).append("\"}\n");
        }
        write(temp, "wiki.jsonl", data.toString());
        return write(temp, "mini_wikitext.yaml", """
                task: mini_wikitext
                dataset_path: json
                dataset_kwargs:
                  data_files:
                    test: wiki.jsonl
                output_type: loglikelihood_rolling
                test_split: test
                doc_to_text: ""
                doc_to_target: "{{page}}"
                metric_list:
                  - metric: word_perplexity
                  - metric: byte_perplexity
                  - metric: bits_per_byte
                """);
    }

    /** lm-eval's get_rolling_token_windows(context_len=1) and make_disjoint_window, ported line by line. */
    static double rolling(int[] tokens, int prefix, int maxSeqLen) {
        List<int[][]> windows = new ArrayList<>();
        int predLen = maxSeqLen;
        int predicted = 0;
        int firstSeqLen = Math.min(maxSeqLen, tokens.length);
        int[] first = new int[firstSeqLen];
        first[0] = prefix;
        System.arraycopy(tokens, 0, first, 1, firstSeqLen - 1);
        windows.add(new int[][] {first, Arrays.copyOf(tokens, firstSeqLen)});
        predicted += firstSeqLen;
        while (predicted < tokens.length) {
            int windowPredLen = Math.min(tokens.length - predicted, predLen);
            int windowEnd = predicted + windowPredLen;
            windows.add(new int[][] {Arrays.copyOfRange(tokens, windowEnd - maxSeqLen - 1, windowEnd - 1),
                    Arrays.copyOfRange(tokens, windowEnd - windowPredLen, windowEnd)});
            predicted += windowPredLen;
        }
        double total = 0;
        for (int[][] window : windows) {
            int[] context = Arrays.copyOf(window[0], window[0].length - (window[1].length - 1));
            total += ReferenceModel.sum(context, window[1]);
        }
        return total;
    }

    @Test
    void rollingLogLikelihoodInLmEvalsWindowsGivesWordAndBytePerplexities() {
        for (int maxLength : new int[] {0, 12}) {
            ReferenceModel model = new ReferenceModel();
            EvaluationResult result = evaluate(wikitext(), maxLength == 0 ? Map.of() : Map.of("max_length",
                    maxLength), model);
            // lm-eval's max_length is the inputs one call takes: the scored sequences hold one token more.
            int lmEvalMaxLength = (maxLength == 0 ? model.maxSequenceLength : maxLength) - 1;
            double sumLl = 0;
            double words = 0;
            double bytes = 0;
            for (String page : PAGES) {
                // tok_encode adds BOS, and the prefix token (BOS) comes before the first window.
                sumLl += rolling(withBos(page), ReferenceTokenizer.BOS, lmEvalMaxLength);
                words += page.split("\\s+", -1).length;
                bytes += page.getBytes(StandardCharsets.UTF_8).length;
            }
            assertEquals(Math.exp(-sumLl / words), result.metrics().get("word_perplexity,none"), 1e-9);
            assertEquals(Math.exp(-sumLl / bytes), result.metrics().get("byte_perplexity,none"), 1e-12);
            assertEquals(-sumLl / bytes / Math.log(2), result.metrics().get("bits_per_byte,none"), 1e-12);
            assertEquals(List.of("word_perplexity,none", "byte_perplexity,none", "bits_per_byte,none"),
                    List.copyOf(result.metrics().keySet()), "weighted aggregations have no standard error (N/A)");
            if (maxLength > 0) {
                assertTrue(model.scored.size() > PAGES.length, "the long page took several windows");
                assertTrue(model.scored.stream().allMatch(s -> s.length <= maxLength));
            }
        }
    }
}
