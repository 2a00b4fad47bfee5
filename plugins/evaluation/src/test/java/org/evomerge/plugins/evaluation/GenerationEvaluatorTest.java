package org.evomerge.plugins.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.parameter.InvalidParameterException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationEvaluatorTest {

    @TempDir
    Path temp;

    @Test
    void gsm8kExtractionStrictThenFlexible() {
        AnswerExtraction gsm8k = new AnswerExtraction("gsm8k", Optional.empty(), true, 1e-6, false);
        assertEquals(Optional.of("1234"), gsm8k.extract("so the total is 1,234.\n#### 1,234"));
        assertEquals(Optional.of("-7.5"), gsm8k.extract("first 3 then 4, so the answer is -7.5."));
        assertEquals(Optional.of("18"), gsm8k.extract("She pays $18."));
        assertEquals(Optional.empty(), gsm8k.extract("no idea"));
        assertEquals("72", gsm8k.expected("Natalia sold 48/2 = 24 clips in May.\n#### 72"));
        assertTrue(gsm8k.matches("72.0", "72"));
        assertFalse(gsm8k.matches("72.1", "72"));
        AnswerExtraction tolerant = new AnswerExtraction("last_number", Optional.empty(), true, 0.01, false);
        assertTrue(tolerant.matches("100.9", "100"), "|100.9 - 100| <= 0.01 * 100");
        assertFalse(tolerant.matches("101.1", "100"));
        AnswerExtraction regex = new AnswerExtraction("regex", Optional.of(Pattern.compile("Answer: (\\w+)")), false,
                0, false);
        assertEquals(Optional.of("Paris"), regex.extract("I think... Answer: Paris."));
        assertTrue(regex.matches("Paris", "paris"));
        assertFalse(new AnswerExtraction("full", Optional.empty(), false, 0, true).matches("Paris", "paris"));
    }

    @Test
    void constraintsOnScriptRegexAndFormat() {
        Set<Character.UnicodeScript> japanese = OutputConstraint.scripts("HAN+HIRAGANA+KATAKANA");
        // 答えは (3 letters, all Japanese) + "ok" (2 Latin letters): share 3 / 5
        assertEquals(3.0 / 5, OutputConstraint.scriptShare("答えは 42 ok", japanese), 1e-12);
        OutputConstraint inJapanese = new OutputConstraint(Optional.empty(), japanese, 0.6, "none");
        assertTrue(inJapanese.test("答えは 42 ok"));
        assertFalse(inJapanese.test("the answer is 42"));
        assertFalse(inJapanese.test("42"), "no letters: share 0");
        assertTrue(new OutputConstraint(Optional.empty(), Set.of(), 0, "json").test(" {\"a\": [1, 2]} "));
        assertFalse(new OutputConstraint(Optional.empty(), Set.of(), 0, "json").test("{\"a\": 1} trailing"));
        assertTrue(new OutputConstraint(Optional.empty(), Set.of(), 0, "number").test("-3.5"));
        assertFalse(new OutputConstraint(Optional.empty(), Set.of(), 0, "single_line").test("a\nb"));
        assertFalse(new OutputConstraint(Optional.of(Pattern.compile("####")), Set.of(), 0, "none").test("42"));
        assertThrows(IllegalArgumentException.class, () -> OutputConstraint.scripts("KLINGON"));
    }

    @Test
    void answersCountOnlyWhenTheResponseSatisfiesTheConstraint() {
        TableLanguageModel lm = new TableLanguageModel();
        lm.responses.put("Q1", "答えは 3 です。\n#### 3\n\nQ: next");
        lm.responses.put("Q2", "the answer is\n#### 4");
        lm.responses.put("Q3", "わかりません");
        Path data = FakeInference.jsonl(temp, "gen.jsonl",
                "{\"prompt\": \"Q1\", \"answer\": \"1 + 2 = 3\\n#### 3\"}",
                "{\"prompt\": \"Q2\", \"answer\": 4}",
                "{\"prompt\": \"Q3\", \"answer\": \"5\"}");
        EvaluationResult r = LogLikelihoodEvaluatorsTest.evaluate(new GenerationEvaluatorFactory(), Map.of(
                "data", data.toString(), "extract", "gsm8k", "numeric", true, "stop", "\n\nQ:",
                "require_script", "HAN+HIRAGANA+KATAKANA"), FakeInference.context(lm, true));
        assertEquals(2.0 / 3, r.metrics().get("answer_accuracy"), 1e-12, "Q1 and Q2 are right");
        assertEquals(2.0 / 3, r.metrics().get("constraint_rate"), 1e-12, "Q1 and Q3 are in Japanese");
        assertEquals(1.0 / 3, r.metrics().get("accuracy"), 1e-12, "only Q1 is both");
        assertEquals(1.0 / 3, r.score(), 1e-12);
        assertEquals(java.util.List.of(1.0, 0.0, 0.0), r.itemScores(), "per item, in file order: only Q1");
    }

    @Test
    void promptsReachTheModelInBatchesOfBatchSizeWithTheSameScores() {
        TableLanguageModel lm = new TableLanguageModel();
        String[] lines = new String[7];
        for (int i = 0; i < lines.length; i++) {
            lm.responses.put("Q" + i, i % 2 == 0 ? String.valueOf(i) : "no");
            lines[i] = "{\"prompt\": \"Q" + i + "\", \"answer\": \"" + i + "\"}";
        }
        Path data = FakeInference.jsonl(temp, "batches.jsonl", lines);
        for (var expected : Map.of(0L, java.util.List.of(7), 1L, java.util.List.of(1, 1, 1, 1, 1, 1, 1),
                3L, java.util.List.of(3, 3, 1)).entrySet()) {
            lm.generationBatches.clear();
            EvaluationResult r = LogLikelihoodEvaluatorsTest.evaluate(new GenerationEvaluatorFactory(), Map.of(
                    "data", data.toString(), "batch_size", expected.getKey()), FakeInference.context(lm, true));
            assertEquals(4.0 / 7, r.score(), 1e-12, "batch_size " + expected.getKey());
            assertEquals(expected.getValue(), lm.generationBatches, "batch_size " + expected.getKey());
        }
    }

    @Test
    void badParametersAreRejectedNamingTheParameter() {
        Path data = FakeInference.jsonl(temp, "gen.jsonl", "{\"prompt\": \"Q\", \"answer\": \"A\"}");
        InvalidParameterException noPattern = assertThrows(InvalidParameterException.class, () ->
                LogLikelihoodEvaluatorsTest.evaluate(new GenerationEvaluatorFactory(), Map.of("data", data.toString(),
                        "extract", "regex"), FakeInference.context(new TableLanguageModel(), true)));
        assertEquals("pattern", noPattern.parameter());
        InvalidParameterException badRegex = assertThrows(InvalidParameterException.class, () ->
                LogLikelihoodEvaluatorsTest.evaluate(new GenerationEvaluatorFactory(), Map.of("data", data.toString(),
                        "require_regex", "(unclosed"), FakeInference.context(new TableLanguageModel(), true)));
        assertEquals("require_regex", badRegex.parameter());
        InvalidParameterException badScript = assertThrows(InvalidParameterException.class, () ->
                LogLikelihoodEvaluatorsTest.evaluate(new GenerationEvaluatorFactory(), Map.of("data", data.toString(),
                        "require_script", "ELVISH"), FakeInference.context(new TableLanguageModel(), true)));
        assertEquals("require_script", badScript.parameter());
    }
}
