package org.evomerge.plugins.evaluation.lmeval;

import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.evaluate;
import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.meanStderr;
import static org.evomerge.plugins.evaluation.lmeval.LmEvalTesting.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.evomerge.api.evaluation.EvaluationResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code generate_until} written as lm-eval's gsm8k task is: two first-n examples from the train split, generation
 * stopped at "Question:", the strict-match and flexible-extract filter pipelines, and exact_match with gsm8k's
 * regexes_to_ignore; every expected value is worked out by hand from the scripted responses below.
 */
class LmEvalGenerationTest {

    @TempDir
    Path temp;

    static final String TASK = """
            task: mini_gsm8k
            dataset_path: json
            dataset_kwargs:
              data_files:
                train: train.jsonl
                test: test.jsonl
            output_type: generate_until
            training_split: train
            fewshot_split: train
            test_split: test
            doc_to_text: "Question: {{question}}\\nAnswer:"
            doc_to_target: "{{answer}}"
            metric_list:
              - metric: exact_match
                aggregation: mean
                higher_is_better: true
                ignore_case: true
                ignore_punctuation: false
                regexes_to_ignore:
                  - ","
                  - "\\\\$"
                  - "(?s).*#### "
                  - "\\\\.$"
            generation_kwargs:
              until:
                - "Question:"
                - "</s>"
              do_sample: false
              temperature: 0.0
            repeats: 1
            num_fewshot: 2
            fewshot_config:
              sampler: first_n
            filter_list:
              - name: "strict-match"
                filter:
                  - function: "regex"
                    regex_pattern: "#### (\\\\-?[0-9\\\\.\\\\,]+)"
                  - function: "take_first"
              - name: "flexible-extract"
                filter:
                  - function: "regex"
                    group_select: -1
                    regex_pattern: "(-?[$0-9.,]{2,})|(-?[0-9]+)"
                  - function: "take_first"
            """;

    @Test
    void fewShotPromptsFiltersAndExactMatchAsGsm8k() {
        write(temp, "train.jsonl", """
                {"question": "What is 1+1?", "answer": "1+1=2\\n#### 2"}
                {"question": "What is 2+3?", "answer": "2+3=5\\n#### 5"}
                {"question": "What is 9+9?", "answer": "#### 18"}
                """);
        write(temp, "test.jsonl", """
                {"question": "Natalia sold clips.", "answer": "She sold 48 in April.\\n#### 72"}
                {"question": "How much?", "answer": "He paid $1,234.\\n#### 1234"}
                {"question": "Unknown?", "answer": "#### 5"}
                """);
        Path task = write(temp, "gsm8k.yaml", TASK);
        String examples = "Question: What is 1+1?\nAnswer: 1+1=2\n#### 2\n\nQuestion: What is 2+3?\nAnswer: 2+3=5\n#### 5"
                + "\n\n";
        ReferenceModel model = new ReferenceModel();
        model.scripted.put("<s>" + examples + "Question: Natalia sold clips.\nAnswer:",
                " She sold 48 clips in April. #### 72\n\nQuestion: What else?");
        model.scripted.put("<s>" + examples + "Question: How much?\nAnswer:", " The answer is 1,234.");
        model.scripted.put("<s>" + examples + "Question: Unknown?\nAnswer:", " I do not know");
        EvaluationResult result = evaluate(task, Map.of(), model);
        assertEquals(3, model.prompts.size());
        // strict-match: "72", "[invalid]", "[invalid]"; flexible-extract: "72", "1,234." (1234 after the regexes), none
        double[] strict = {1, 0, 0};
        double[] flexible = {1, 1, 0};
        assertEquals(List.of("exact_match,strict-match", "exact_match_stderr,strict-match",
                "exact_match,flexible-extract", "exact_match_stderr,flexible-extract"),
                List.copyOf(result.metrics().keySet()));
        assertEquals(1.0 / 3, result.metrics().get("exact_match,strict-match"), 1e-15);
        assertEquals(meanStderr(strict), result.metrics().get("exact_match_stderr,strict-match"), 1e-15);
        assertEquals(2.0 / 3, result.metrics().get("exact_match,flexible-extract"), 1e-15);
        assertEquals(meanStderr(flexible), result.metrics().get("exact_match_stderr,flexible-extract"), 1e-15);
        assertEquals(1.0 / 3, result.score(), 1e-15, "the first filter's metric");
    }

    @Test
    void regexFilterTakesTheSelectedMatchAndTheFirstNonEmptyGroup() {
        PythonRegex flexible = PythonRegex.compile("(-?[$0-9.,]{2,})|(-?[0-9]+)");
        assertEquals("1,234.", ResponseFilters.extract(flexible, "Paid 12 then 1,234.", -1, "[invalid]"));
        assertEquals("12", ResponseFilters.extract(flexible, "Paid 12 then 1,234.", 0, "[invalid]"));
        assertEquals("7", ResponseFilters.extract(flexible, "only 7", -1, "[invalid]"), "the second group");
        assertEquals("[invalid]", ResponseFilters.extract(flexible, "none", 0, "[invalid]"));
        PythonRegex named = PythonRegex.compile("answer is (?P<letter>[A-D])");
        assertEquals("B", ResponseFilters.extract(named, "The answer is B.", 0, "[invalid]"));
    }

    @Test
    void whitespaceAndCaseFiltersRunInOrder() {
        LmEvalTaskConfig.FilterSpec spec = new LmEvalTaskConfig.FilterSpec("clean", List.of(
                Map.of("function", "remove_whitespace"), Map.of("function", "lowercase"),
                Map.of("function", "take_first")));
        assertEquals("the best answer is a", ResponseFilters.apply(spec, List.of("  The Best Answer is A \n")));
    }
}
