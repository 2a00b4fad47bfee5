package org.evomerge.plugins.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.model.Model;
import org.evomerge.engine.parameter.ParameterValidator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Perplexity, multiple choice and classification on a fake model whose {@code ln p(token)} comes from a table, so
 * every expected value below is derived by hand from the table.
 */
class LogLikelihoodEvaluatorsTest {

    @TempDir
    Path temp;

    static EvaluationResult evaluate(EvaluatorFactory factory, Map<String, ?> parameters, RunContext context) {
        try (Evaluator evaluator = factory.create(ParameterValidator.validate(factory.descriptor(), parameters),
                context); Model model = FakeInference.model()) {
            return evaluator.evaluate(model);
        }
    }

    @Test
    void perplexityOfPreTokenizedDataNeedsNoTokenizer() {
        TableLanguageModel lm = new TableLanguageModel();
        lm.table.put(10, -1.0);
        lm.table.put(20, -2.0);
        lm.table.put(30, -0.5);
        Path data = FakeInference.jsonl(temp, "ids.jsonl", "{\"input_ids\": [1, 10, 20]}", "",
                "{\"input_ids\": [1, 30]}", "{\"input_ids\": [5]}");
        EvaluationResult r = evaluate(new PerplexityEvaluatorFactory(), Map.of("data", data.toString()),
                FakeInference.context(lm, false));
        // predicted tokens: 10 (-1), 20 (-2), 30 (-0.5); the one-token record predicts nothing
        double nll = (1 + 2 + 0.5) / 3;
        assertEquals(nll, r.metrics().get("nll"), 1e-12);
        assertEquals(Math.exp(nll), r.metrics().get("perplexity"), 1e-12);
        assertEquals(3.0, r.metrics().get("tokens"));
        assertEquals(-nll, r.score(), 1e-12);
        assertTrue(lm.closed, "the language model is closed after each evaluation");
    }

    @Test
    void perplexityOfTextAddsBosAndSplitsLongRecordsIntoWindows() {
        TableLanguageModel lm = new TableLanguageModel().with('a', -1).with('b', -3);
        Path data = FakeInference.jsonl(temp, "text.jsonl", "{\"text\": \"abab\"}");
        EvaluationResult whole = evaluate(new PerplexityEvaluatorFactory(), Map.of("data", data.toString()),
                FakeInference.context(lm, true));
        // [BOS a b a b]: a, b, a, b predicted: (1 + 3 + 1 + 3) / 4
        assertEquals(2.0, whole.metrics().get("nll"), 1e-12);
        assertEquals(4.0, whole.metrics().get("tokens"));
        lm.scoredLengths.clear();
        EvaluationResult windowed = evaluate(new PerplexityEvaluatorFactory(), Map.of("data", data.toString(),
                "max_length", 2), FakeInference.context(lm, true));
        assertEquals(List.of(2, 2, 2, 2), lm.scoredLengths, "windows of 2 overlapping by one token");
        assertEquals(whole.metrics(), windowed.metrics(), "each token is predicted exactly once");
    }

    @Test
    void textDataWithoutTokenizerIsAClearConfigurationError() {
        Path data = FakeInference.jsonl(temp, "text.jsonl", "{\"text\": \"ab\"}");
        EvomergeException e = assertThrows(EvomergeException.class, () -> evaluate(new PerplexityEvaluatorFactory(),
                Map.of("data", data.toString()), FakeInference.context(new TableLanguageModel(), false)));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().contains("no tokenizer"), e.getMessage());
    }

    @Test
    void badRecordsNameTheFileAndLine() {
        Path data = FakeInference.jsonl(temp, "bad.jsonl", "{\"input_ids\": [1, 2]}", "{\"input_ids\": [1, \"x\"]}");
        EvomergeException e = assertThrows(EvomergeException.class, () -> evaluate(new PerplexityEvaluatorFactory(),
                Map.of("data", data.toString()), FakeInference.context(new TableLanguageModel(), false)));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().startsWith(data + ":2: 'input_ids'[1]"), e.getMessage());
        Path notJson = FakeInference.jsonl(temp, "broken.jsonl", "{\"text\": \"a\"}", "{oops");
        EvomergeException e2 = assertThrows(EvomergeException.class, () -> evaluate(new PerplexityEvaluatorFactory(),
                Map.of("data", notJson.toString()), FakeInference.context(new TableLanguageModel(), true)));
        assertTrue(e2.getMessage().startsWith(notJson + ":2: not valid JSON"), e2.getMessage());
        Path outOfVocabulary = FakeInference.jsonl(temp, "oov.jsonl", "{\"input_ids\": [1, 500]}");
        EvomergeException e3 = assertThrows(EvomergeException.class, () -> evaluate(new PerplexityEvaluatorFactory(),
                Map.of("data", outOfVocabulary.toString()), FakeInference.context(new TableLanguageModel(), false)));
        assertTrue(e3.getMessage().startsWith(outOfVocabulary + ":1: token id 500"), e3.getMessage());
    }

    @Test
    void missingEngineIsAClearError() {
        Path data = FakeInference.jsonl(temp, "ids.jsonl", "{\"input_ids\": [1, 2]}");
        EvomergeException e = assertThrows(EvomergeException.class, () -> evaluate(new PerplexityEvaluatorFactory(),
                Map.of("data", data.toString()), FakeInference.contextWithoutEngine()));
        assertTrue(e.getMessage().contains("no inference engine"), e.getMessage());
    }

    @Test
    void multipleChoiceAccAndLengthNormalisedAccDisagreeAsDerived() {
        // ln p: ' ' = -1, x = -3, y = -1.  " x" = -4 over 2 bytes (-2/byte); " yyyy" = -5 over 5 bytes (-1/byte).
        TableLanguageModel lm = new TableLanguageModel().with(' ', -1).with('x', -3).with('y', -1);
        Path data = FakeInference.jsonl(temp, "mc.jsonl",
                "{\"context\": \"Q:\", \"choices\": [\" x\", \" yyyy\"], \"label\": 1}",
                "{\"context\": \"Q: \", \"choices\": [\"x\", \"yyyy\"], \"label\": 0}");
        EvaluationResult r = evaluate(new MultipleChoiceEvaluatorFactory(), Map.of("data", data.toString()),
                FakeInference.context(lm, true));
        // Record 1: acc picks " x" (wrong), acc_norm picks " yyyy" (right). Record 2: the context's trailing space
        // moves to the continuations, so the sums are again -4 and -5 (acc picks "x": right), but lengths are those
        // of the choices as written ("x": -4 per byte, "yyyy": -1.25 per byte), so acc_norm picks "yyyy": wrong.
        assertEquals(0.5, r.metrics().get("acc"));
        assertEquals(0.5, r.metrics().get("acc_norm"));
        assertEquals(0.5, r.score(), "acc_norm is the default fitness");
        EvaluationResult onlyFirst = evaluate(new MultipleChoiceEvaluatorFactory(), Map.of("data", data.toString(),
                "sample", 1, "sample_seed", 3, "score_metric", "acc"), FakeInference.context(lm, true));
        assertEquals(1.0, onlyFirst.metrics().get("count"));
        assertEquals(onlyFirst.metrics().get("acc"), onlyFirst.score());
    }

    @Test
    void multipleChoiceLabelOutOfRangeIsAnInputError() {
        Path data = FakeInference.jsonl(temp, "mc.jsonl", "{\"context\": \"Q\", \"choices\": [\"a\"], \"label\": 1}");
        EvomergeException e = assertThrows(EvomergeException.class, () -> evaluate(
                new MultipleChoiceEvaluatorFactory(), Map.of("data", data.toString()),
                FakeInference.context(new TableLanguageModel(), true)));
        assertTrue(e.getMessage().startsWith(data + ":1: 'label' 1"), e.getMessage());
    }

    @Test
    void scoringUsesBosAsContextAndKeepsTheContinuationWhenTruncating() {
        TableLanguageModel lm = new TableLanguageModel().with('a', -1).with('b', -2);
        LocalScoringModel scoring = new LocalScoringModel(lm, java.util.Optional.of(new CharTokenizer()), 3, "t");
        assertEquals(new ScoringModel.Score(-3, 2), scoring.logLikelihood("", "ab"));
        lm.scoredLengths.clear();
        // [BOS c c c a b] cut to the last 3 tokens [c a b]: a and b still scored
        assertEquals(new ScoringModel.Score(-3, 2), scoring.logLikelihood("ccc", "ab"));
        assertEquals(List.of(3), lm.scoredLengths);
    }

    @Test
    void classificationAccuracyAndMacroF1() {
        // Label continuations " pos" and " neg": the fake ignores context, so p favours " pos" unless the table
        // changes; make "neg" likelier (g = -0.1) so every prediction is "neg".
        TableLanguageModel lm = new TableLanguageModel().with('g', -0.1);
        Path data = FakeInference.jsonl(temp, "cls.jsonl",
                "{\"text\": \"good\", \"label\": \"pos\"}",
                "{\"text\": \"bad\", \"label\": \"neg\"}",
                "{\"text\": \"awful\", \"label\": \"neg\"}");
        EvaluationResult r = evaluate(new ClassificationEvaluatorFactory(), Map.of("data", data.toString()),
                FakeInference.context(lm, true));
        assertEquals(2.0 / 3, r.metrics().get("accuracy"), 1e-12);
        // pos: tp 0, F1 0; neg: tp 2, predicted 3, actual 2 -> F1 = 4 / 5
        assertEquals((0 + 0.8) / 2, r.metrics().get("macro_f1"), 1e-12);
        EvomergeException e = assertThrows(EvomergeException.class, () -> evaluate(
                new ClassificationEvaluatorFactory(), Map.of("data", data.toString(), "labels", "neg,neutral"),
                FakeInference.context(lm, true)));
        assertTrue(e.getMessage().startsWith(data + ":1: 'label' 'pos'"), e.getMessage());
    }
}
