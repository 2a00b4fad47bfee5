package org.evomerge.plugins.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ResourceBundle;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.context.ScratchSpace;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.parameter.InvalidParameterException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MultiTaskEvaluatorTest {

    @TempDir
    Path temp;

    @Test
    void weightedSumOfSubTaskScoresWithPrefixedMetrics() throws Exception {
        TableLanguageModel lm = new TableLanguageModel().with(' ', -1).with('x', -3).with('y', -1);
        lm.table.put(10, -2.0);
        Path folder = Files.createDirectories(temp.resolve("tasks"));
        FakeInference.jsonl(folder, "mc.jsonl", "{\"context\": \"Q:\", \"choices\": [\" x\", \" yyyy\"], \"label\": 1}");
        FakeInference.jsonl(folder, "ppl.jsonl", "{\"input_ids\": [1, 10]}", "{\"input_ids\": [1, 10]}");
        Path tasks = Files.writeString(folder.resolve("multi.yml"), """
                tasks:
                  - name: choice
                    evaluator: multiple-choice
                    weight: 3
                    data: mc.jsonl
                    parameters: {score_metric: acc_norm}
                  - name: ppl
                    evaluator: perplexity
                    data: ppl.jsonl
                """);
        EvaluationResult r = LogLikelihoodEvaluatorsTest.evaluate(new MultiTaskEvaluatorFactory(),
                Map.of("tasks", tasks.toString(), "sample", 1), FakeInference.context(lm, true));
        assertEquals(1.0, r.metrics().get("choice/acc_norm"));
        assertEquals(1.0, r.metrics().get("choice/score"));
        assertEquals(2.0, r.metrics().get("ppl/nll"), 1e-12);
        assertEquals(1.0, r.metrics().get("ppl/tokens"), "sample 1 applied to the sub-task");
        assertEquals(3 * 1.0 + 1 * -2.0, r.score(), 1e-12);
    }

    @Test
    void unweightedSubTasksOfDifferentScalesAreSummedWithOneWarning() throws Exception {
        TableLanguageModel lm = new TableLanguageModel().with(' ', -1).with('x', -3).with('y', -1);
        lm.table.put(10, -2.0);
        Path folder = Files.createDirectories(temp.resolve("tasks"));
        FakeInference.jsonl(folder, "mc.jsonl",
                "{\"context\": \"Q:\", \"choices\": [\" x\", \" yyyy\"], \"label\": 1}");
        FakeInference.jsonl(folder, "ppl.jsonl", "{\"input_ids\": [1, 10]}");
        Path tasks = Files.writeString(folder.resolve("multi.yml"), """
                tasks:
                  - {name: choice, evaluator: multiple-choice, data: mc.jsonl, parameters: {score_metric: acc_norm}}
                  - {name: ppl, evaluator: perplexity, data: ppl.jsonl}
                """);
        List<String> warnings = new ArrayList<>();
        RunContext context = recordingWarnings(FakeInference.context(lm, true), warnings);
        Parameters parameters = SchemaValidation.validate(new MultiTaskEvaluatorFactory().descriptor(),
                Map.of("tasks", tasks.toString()), "test");
        try (Evaluator evaluator = new MultiTaskEvaluatorFactory().create(parameters, context)) {
            assertEquals(1.0 + -2.0, evaluator.evaluate(FakeInference.model()).score(), 1e-12);
            evaluator.evaluate(FakeInference.model());
        }
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.getFirst().contains("'ppl' (-2.0) outside [0, 1], 'choice' (1.0) within it"),
                warnings.getFirst());
    }

    /** {@code context} with a logger that keeps the text of every warning. */
    private static RunContext recordingWarnings(RunContext context, List<String> warnings) {
        System.Logger logger = new System.Logger() {
            @Override
            public String getName() {
                return "recording";
            }

            @Override
            public boolean isLoggable(Level level) {
                return true;
            }

            @Override
            public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
                if (level == Level.WARNING) {
                    warnings.add(message);
                }
            }

            @Override
            public void log(Level level, ResourceBundle bundle, String format, Object... parameters) {
                log(level, bundle, format, (Throwable) null);
            }
        };
        return new RunContext() {
            @Override
            public RandomSource random() {
                return context.random();
            }

            @Override
            public ComputeBackend compute() {
                return context.compute();
            }

            @Override
            public ProgressReporter progress() {
                return context.progress();
            }

            @Override
            public ScratchSpace scratch() {
                return context.scratch();
            }

            @Override
            public System.Logger logger(String name) {
                return logger;
            }

            @Override
            public int threads() {
                return context.threads();
            }

            @Override
            public <T> Optional<T> service(Class<T> type) {
                return context.service(type);
            }
        };
    }

    @Test
    void aYamlSyntaxErrorNamesTheFileLineAndColumn() throws Exception {
        Path tasks = Files.writeString(temp.resolve("multi.yml"), "tasks:\n  - evaluator: perplexity\n"
                + "    data: [ppl.jsonl\n");
        EvomergeException e = assertThrows(EvomergeException.class, () -> LogLikelihoodEvaluatorsTest.evaluate(
                new MultiTaskEvaluatorFactory(), Map.of("tasks", tasks.toString()),
                FakeInference.context(new TableLanguageModel(), true)));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertEquals(tasks.toAbsolutePath() + ":4:1: not valid YAML: expected ',' or ']', but got <stream end>"
                + " (while parsing a flow sequence at 3:11)", e.getMessage());
    }

    @Test
    void badSubTasksAreConfigurationErrorsNamingTheFileAndEntry() throws Exception {
        Path data = FakeInference.jsonl(temp, "ppl.jsonl", "{\"input_ids\": [1, 10]}");
        Path unknown = Files.writeString(temp.resolve("unknown.yml"), "tasks:\n  - evaluator: bleu\n    data: ppl.jsonl\n");
        EvomergeException e = assertThrows(EvomergeException.class, () -> LogLikelihoodEvaluatorsTest.evaluate(
                new MultiTaskEvaluatorFactory(), Map.of("tasks", unknown.toString()),
                FakeInference.context(new TableLanguageModel(), true)));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().startsWith(unknown.toAbsolutePath() + ": tasks[0]: 'evaluator'"), e.getMessage());
        Path badParameter = Files.writeString(temp.resolve("bad.yml"),
                "tasks:\n  - evaluator: perplexity\n    data: ppl.jsonl\n    parameters: {max_length: -1}\n");
        InvalidParameterException p = assertThrows(InvalidParameterException.class, () ->
                LogLikelihoodEvaluatorsTest.evaluate(new MultiTaskEvaluatorFactory(),
                        Map.of("tasks", badParameter.toString()), FakeInference.context(new TableLanguageModel(), true)));
        assertEquals("max_length", p.parameter());
        assertTrue(p.getMessage().contains("tasks[0]"), p.getMessage());
        assertTrue(Files.exists(data));
    }
}
