package org.evomerge.plugins.evaluation.lmeval;

import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.evaluate;
import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.meanStderr;
import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.mean;
import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.withBos;
import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.evaluation.EvaluationResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multiple choice written as lm-eval's arc_easy is (a Jinja question, the gold index from {@code answerKey}, choices
 * from a template rendered as a Python list), checked against values computed by hand: each choice's log-likelihood
 * is {@link ReferenceModel#sum} over the tokens lm-eval scores ({@code [BOS] + prompt} then {@code " " + choice}),
 * {@code acc} takes the largest, {@code acc_norm} the largest per character, standard errors the sample standard
 * deviation over √n. Few-shot prompts are built from the examples Python's {@code random.Random(1234).sample}
 * draws (indices printed by CPython 3.11) or the first n.
 */
class LmEvalMultipleChoiceTest {

    static final String[][] TEST = {
            {"What color is the sky", "A", "blue", "green", "red"},
            {"How many legs has a cat", "A", "four", "two", "seven legs"},
            {"Which is a fruit", "2", "apple", "car"},
            {"Pick the longest", "D", "a", "bb", "ccc", "dddd"}};
    static final String[][] TRAIN = {
            {"t0", "A", "x0", "y0"}, {"t1", "B", "x1", "y1"}, {"t2", "A", "x2", "y2"},
            {"t3", "B", "x3", "y3"}, {"t4", "A", "x4", "y4"}, {"t5", "B", "x5", "y5"}};

    @TempDir
    Path temp;

    static String jsonl(String[][] docs) {
        StringBuilder out = new StringBuilder();
        for (String[] doc : docs) {
            List<String> texts = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            for (int i = 2; i < doc.length; i++) {
                texts.add("\"" + doc[i] + "\"");
                labels.add(doc[1].matches("\\d") ? "\"" + (i - 1) + "\"" : "\"" + (char) ('A' + i - 2) + "\"");
            }
            out.append("{\"question\": \"").append(doc[0]).append("\", \"choices\": {\"text\": [")
                    .append(String.join(", ", texts)).append("], \"label\": [").append(String.join(", ", labels))
                    .append("]}, \"answerKey\": \"").append(doc[1]).append("\"}\n");
        }
        return out.toString();
    }

    static int gold(String[] doc) {
        return doc[1].matches("\\d") ? Integer.parseInt(doc[1]) - 1 : doc[1].charAt(0) - 'A';
    }

    static String question(String[] doc) {
        return "Question: " + doc[0] + "\nAnswer:";
    }

    static String answer(String[] doc) {
        return doc[2 + gold(doc)];
    }

    @BeforeEach
    void data() {
        write(temp, "arc_test.jsonl", jsonl(TEST));
        write(temp, "arc_train.jsonl", jsonl(TRAIN));
    }

    Path task(String extra) {
        return write(temp, "mini_arc.yaml", """
                task: mini_arc
                dataset_path: json
                dataset_kwargs:
                  data_files:
                    train: arc_train.jsonl
                    test: arc_test.jsonl
                output_type: multiple_choice
                training_split: train
                test_split: test
                doc_to_text: "Question: {{question}}\\nAnswer:"
                doc_to_target: "{{choices.label.index(answerKey)}}"
                doc_to_choice: "{{choices.text}}"
                metric_list:
                  - metric: acc
                    aggregation: mean
                    higher_is_better: true
                  - metric: acc_norm
                    aggregation: mean
                    higher_is_better: true
                """ + extra);
    }

    /** acc and acc_norm of {@link #TEST} given each document's prompt and the choices' continuation prefix. */
    static double[][] expected(List<String> prompts, String delimiter) {
        double[] acc = new double[TEST.length];
        double[] accNorm = new double[TEST.length];
        for (int d = 0; d < TEST.length; d++) {
            int best = -1;
            int bestNorm = -1;
            double bestValue = 0;
            double bestNormValue = 0;
            for (int c = 2; c < TEST[d].length; c++) {
                double ll = ReferenceModel.sum(withBos(prompts.get(d)), ReferenceTokenizer.tokens(delimiter
                        + TEST[d][c]));
                double norm = ll / TEST[d][c].length();
                if (best < 0 || ll > bestValue) {
                    best = c - 2;
                    bestValue = ll;
                }
                if (bestNorm < 0 || norm > bestNormValue) {
                    bestNorm = c - 2;
                    bestNormValue = norm;
                }
            }
            acc[d] = best == gold(TEST[d]) ? 1 : 0;
            accNorm[d] = bestNorm == gold(TEST[d]) ? 1 : 0;
        }
        return new double[][] {acc, accNorm};
    }

    static void assertMetrics(double[][] expected, EvaluationResult result) {
        assertEquals(List.of("acc,none", "acc_stderr,none", "acc_norm,none", "acc_norm_stderr,none"),
                List.copyOf(result.metrics().keySet()));
        assertEquals(mean(expected[0]), result.metrics().get("acc,none"), 1e-15);
        assertEquals(meanStderr(expected[0]), result.metrics().get("acc_stderr,none"), 1e-15);
        assertEquals(mean(expected[1]), result.metrics().get("acc_norm,none"), 1e-15);
        assertEquals(meanStderr(expected[1]), result.metrics().get("acc_norm_stderr,none"), 1e-15);
        assertEquals(mean(expected[0]), result.score(), 1e-15, "the first metric is the score");
        List<Double> items = new ArrayList<>();
        for (double v : expected[0]) {
            items.add(v);
        }
        assertEquals(items, result.itemScores(), "each document's acc, the items the score averages");
    }

    @Test
    void zeroShotScoresEveryChoiceAfterTheTargetDelimiter() {
        ReferenceModel model = new ReferenceModel();
        EvaluationResult result = evaluate(task(""), Map.of(), model);
        List<String> prompts = new ArrayList<>();
        for (String[] doc : TEST) {
            prompts.add(question(doc));
        }
        double[][] expected = expected(prompts, " ");
        assertMetrics(expected, result);
        // acc and acc_norm disagree somewhere, so the per-character normalisation is exercised.
        assertEquals(false, java.util.Arrays.equals(expected[0], expected[1]));
        int[] first = model.scored.getFirst();
        int[] context = withBos(question(TEST[0]));
        int[] choice = ReferenceTokenizer.tokens(" blue");
        int[] sequence = java.util.Arrays.copyOf(context, context.length + choice.length);
        System.arraycopy(choice, 0, sequence, context.length, choice.length);
        assertArrayEquals(sequence, first, "[BOS] Question: ...\\nAnswer: blue");
        assertEquals(3 + 3 + 2 + 4, model.scored.size(), "one sequence per choice");
    }

    @Test
    void itemsScoresTheNamedDocumentsOnly() {
        EvaluationResult full = evaluate(task(""), Map.of(), new ReferenceModel());
        ReferenceModel model = new ReferenceModel();
        EvaluationResult some = evaluate(task(""), Map.of("items", "1,3"), model);
        assertEquals(List.of(full.itemScores().get(1), full.itemScores().get(3)), some.itemScores());
        assertEquals(3 + 4, model.scored.size(), "the choices of documents 1 and 3 only");
        org.evomerge.api.EvomergeException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.evomerge.api.EvomergeException.class,
                () -> evaluate(task(""), Map.of("items", "3,1"), new ReferenceModel()));
        assertEquals(true, e.getMessage().contains("'items' must be increasing document indices below 4, got 1"),
                e.getMessage());
    }

    @Test
    void seededFewShotExamplesAreTheOnesPythonsRandomDraws() {
        ReferenceModel model = new ReferenceModel();
        EvaluationResult result = evaluate(task("num_fewshot: 2\n"), Map.of(), model);
        // random.Random(1234): [r.sample(range(6), 2) for each document] == [[3, 0], [0, 5], [4, 0], [5, 0]]
        int[][] drawn = {{3, 0}, {0, 5}, {4, 0}, {5, 0}};
        List<String> prompts = new ArrayList<>();
        for (int d = 0; d < TEST.length; d++) {
            StringBuilder prompt = new StringBuilder();
            for (int i : drawn[d]) {
                prompt.append(question(TRAIN[i])).append(' ').append(answer(TRAIN[i])).append("\n\n");
            }
            prompts.add(prompt.append(question(TEST[d])).toString());
        }
        assertMetrics(expected(prompts, " "), result);
        assertEquals(prompts.get(1) + " four", new ReferenceTokenizer().decode(
                model.scored.get(3), true), "the second document's first choice after its examples");
    }

    @Test
    void aSeedOfTheCallersChoiceDrawsOtherExamples() {
        ReferenceModel model = new ReferenceModel();
        evaluate(task("num_fewshot: 2\n"), Map.of("fewshot_seed", 99), model);
        // random.Random(99).sample(range(6), 2) first: [3, 5]
        String expected = question(TRAIN[3]) + " " + answer(TRAIN[3]) + "\n\n" + question(TRAIN[5]) + " "
                + answer(TRAIN[5]) + "\n\n" + question(TEST[0]) + " blue";
        assertEquals(expected, new ReferenceTokenizer().decode(model.scored.getFirst(), true));
    }

    @Test
    void firstNTakesTheFirstExamplesAndTheDescriptionComesFirst() {
        ReferenceModel model = new ReferenceModel();
        EvaluationResult result = evaluate(task("""
                num_fewshot: 2
                description: "Answer the questions.\\n\\n"
                fewshot_config:
                  sampler: first_n
                """), Map.of(), model);
        List<String> prompts = new ArrayList<>();
        for (String[] doc : TEST) {
            prompts.add("Answer the questions.\n\n" + question(TRAIN[0]) + " x0\n\n" + question(TRAIN[1]) + " y1\n\n"
                    + question(doc));
        }
        assertMetrics(expected(prompts, " "), result);
    }

    @Test
    void examplesFromTheEvaluatedSplitLeaveTheDocumentItselfOut() {
        ReferenceModel model = new ReferenceModel();
        EvaluationResult result = evaluate(task("num_fewshot: 2\nfewshot_split: test\n"), Map.of(), model);
        // random.Random(1234): [r.sample(range(4), 3) ...] == [[3, 0, 2], [0, 2, 3], [0, 3, 1], [1, 0, 2]];
        // lm-eval draws n + 1 and drops the evaluated document, keeping the first n of the rest.
        int[][] kept = {{3, 2}, {0, 2}, {0, 3}, {1, 0}};
        List<String> prompts = new ArrayList<>();
        for (int d = 0; d < TEST.length; d++) {
            StringBuilder prompt = new StringBuilder();
            for (int i : kept[d]) {
                prompt.append(question(TEST[i])).append(' ').append(answer(TEST[i])).append("\n\n");
            }
            prompts.add(prompt.append(question(TEST[d])).toString());
        }
        assertMetrics(expected(prompts, " "), result);
    }

    static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n'"
            + " + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    @Test
    void chatTemplatesWrapThePromptAndTheChoiceFollowsTheAssistantTurn() {
        ReferenceModel model = new ReferenceModel();
        ReferenceTokenizer chat = new ReferenceTokenizer(Optional.of(CHATML));
        EvaluationResult single = evaluate(task("num_fewshot: 1\nfewshot_config:\n  sampler: first_n\n"),
                Map.of("apply_chat_template", true), model, chat);
        List<String> prompts = new ArrayList<>();
        for (String[] doc : TEST) {
            // multiturn_to_singleturn: the example and the question in one user message
            prompts.add("<|im_start|>user\n" + question(TRAIN[0]) + " x0\n\n" + question(doc)
                    + "<|im_end|>\n<|im_start|>assistant\n");
        }
        assertMetrics(expected(prompts, ""), single);

        EvaluationResult multiturn = evaluate(task("num_fewshot: 1\nfewshot_config:\n  sampler: first_n\n"),
                Map.of("apply_chat_template", true, "fewshot_as_multiturn", true), new ReferenceModel(), chat);
        prompts.clear();
        for (String[] doc : TEST) {
            prompts.add("<|im_start|>user\n" + question(TRAIN[0]) + "<|im_end|>\n<|im_start|>assistant\nx0<|im_end|>\n"
                    + "<|im_start|>user\n" + question(doc) + "<|im_end|>\n<|im_start|>assistant\n");
        }
        assertMetrics(expected(prompts, ""), multiturn);
    }

    @Test
    void theScoreIsTheMetricAskedFor() {
        EvaluationResult result = evaluate(task(""), Map.of("metric", "acc_norm,none"), new ReferenceModel());
        assertEquals(result.metrics().get("acc_norm,none"), result.score());
    }
}
