package org.evomerge.plugins.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.InMemoryTensors;
import org.evomerge.engine.parameter.ParameterValidator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandEvaluatorTest {

    @TempDir
    Path temp;

    static Model folderModel(Path folder) {
        return new InMemoryModel("safetensors", Optional.of(folder),
                new ModelConfig(Map.of(), Map.of("model_type", "llama")), InMemoryTensors.of(List.of()), List.of(),
                () -> { });
    }

    private EvaluationResult run(Map<String, Object> parameters, Path model) {
        CommandEvaluatorFactory factory = new CommandEvaluatorFactory();
        try (Evaluator evaluator = factory.create(ParameterValidator.validate(factory.descriptor(), parameters),
                FakeInference.contextWithoutEngine())) {
            return evaluator.evaluate(folderModel(model));
        }
    }

    @Test
    void readsTheLastJsonLineOfStandardOutputWithTheModelPathSubstituted() throws Exception {
        Path model = Files.createDirectories(temp.resolve("my model's folder"));
        Files.writeString(model.resolve("size.txt"), "0.25");
        EvaluationResult r = run(Map.of("command",
                "echo 'warming up'; echo \"{\\\"score\\\": $(cat {model}/size.txt), \\\"n\\\": 4, \\\"note\\\": \\\"x\\\"}\""),
                model);
        assertEquals(0.25, r.score());
        assertEquals(Map.of("score", 0.25, "n", 4.0), r.metrics());
    }

    @Test
    void readsTheOutputFileAndACustomScoreKey() {
        EvaluationResult r = run(Map.of("command", "echo '{\"acc\": 0.5}' > \"$EVOMERGE_OUTPUT\"; echo noise",
                "score_key", "acc"), temp);
        assertEquals(0.5, r.score());
    }

    @Test
    void aFailingScriptReportsItsExitCodeAndStandardErrorTail() {
        EvomergeException e = assertThrows(EvomergeException.class, () -> run(Map.of("command",
                "echo 'loading' >&2; echo 'CUDA out of memory' >&2; exit 3", "retries", 1), temp));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().contains("exited with 3") && e.getMessage().contains("loading | CUDA out of memory")
                && e.getMessage().contains("after 2 attempts"), e.getMessage());
    }

    @Test
    void aScriptWithoutScoreOrPastItsTimeoutFails() {
        EvomergeException none = assertThrows(EvomergeException.class, () -> run(Map.of("command", "echo hello"), temp));
        assertTrue(none.getMessage().contains("printed no JSON object"), none.getMessage());
        EvomergeException noKey = assertThrows(EvomergeException.class, () -> run(Map.of("command",
                "echo '{\"acc\": 1}'"), temp));
        assertTrue(noKey.getMessage().contains("no finite number 'score'"), noKey.getMessage());
        EvomergeException slow = assertThrows(EvomergeException.class, () -> run(Map.of("command", "sleep 30",
                "timeout_seconds", 0.3), temp));
        assertTrue(slow.getMessage().contains("did not finish within 0.3 s"), slow.getMessage());
    }
}
