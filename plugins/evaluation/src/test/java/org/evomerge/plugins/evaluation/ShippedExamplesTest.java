package org.evomerge.plugins.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.parameter.ParameterType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/** Every example task shipped in the distribution validates, reads its dataset and scores a fake model. */
class ShippedExamplesTest {

    static final Path EXAMPLES = Path.of("../../distribution/src/main/bundle/examples/evaluation");

    static Stream<Path> taskFiles() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            List<Path> tasks = files.filter(p -> p.toString().endsWith(".yml"))
                    .filter(p -> !p.getFileName().toString().equals("mix-tasks.yml")).sorted().toList();
            assertTrue(tasks.size() >= 6, "examples found: " + tasks);
            return tasks.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("taskFiles")
    @SuppressWarnings("unchecked")
    void exampleTaskRuns(Path file) throws IOException {
        Map<String, Object> task = new Yaml().load(Files.readString(file));
        Map<String, EvaluatorFactory> factories = new LinkedHashMap<>(MultiTaskEvaluatorFactory.subEvaluators());
        factories.put("multi-task", new MultiTaskEvaluatorFactory());
        EvaluatorFactory factory = factories.get(task.get("evaluator").toString());
        Map<String, Object> parameters = new LinkedHashMap<>((Map<String, Object>) task.getOrDefault("parameters",
                Map.of()));
        if (task.get("data") != null) {
            parameters.put("data", task.get("data"));
        }
        // as the engine's task resolver does: path parameters are relative to the task file
        factory.descriptor().parameters().parameters().stream().filter(s -> s.type() == ParameterType.PATH)
                .filter(s -> parameters.containsKey(s.name()))
                .forEach(s -> parameters.put(s.name(), EXAMPLES.resolve(parameters.get(s.name()).toString()).toString()));
        TableLanguageModel model = new TableLanguageModel();
        model.vocabularySize = 32_000; // the pre-tokenized example holds Llama-2 ids
        EvaluationResult result = LogLikelihoodEvaluatorsTest.evaluate(factory, parameters,
                FakeInference.context(model, true));
        assertTrue(Double.isFinite(result.score()), file + ": " + result);
        if (file.getFileName().toString().equals("mix.yml")) {
            assertEquals(3.0, result.metrics().get("qa/count"), "sample 3 reaches the sub-tasks");
        }
    }
}
