package org.evomerge.plugins.evaluation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Datasets shared by the contract tests, written once per JVM into a temporary folder. */
final class EvaluationFixtures {

    static final Path FOLDER = create();

    private EvaluationFixtures() {
    }

    private static Path create() {
        try {
            Path folder = Files.createTempDirectory("evomerge-evaluation-fixtures");
            folder.toFile().deleteOnExit();
            FakeInference.jsonl(folder, "perplexity.jsonl", "{\"text\": \"the dog\"}", "{\"input_ids\": [1, 2, 3]}");
            FakeInference.jsonl(folder, "mc.jsonl",
                    "{\"context\": \"Sky:\", \"choices\": [\" blue\", \" green\"], \"label\": 0}");
            FakeInference.jsonl(folder, "generation.jsonl", "{\"prompt\": \"2+2=\", \"answer\": \"4\"}");
            FakeInference.jsonl(folder, "classification.jsonl", "{\"text\": \"great\", \"label\": \"pos\"}",
                    "{\"text\": \"awful\", \"label\": \"neg\"}");
            Files.writeString(folder.resolve("multi.yml"), """
                    tasks:
                      - {name: ppl, evaluator: perplexity, data: perplexity.jsonl, weight: 1}
                      - {name: mc, evaluator: multiple-choice, data: mc.jsonl, weight: 2}
                    """);
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String data(String name) {
        return FOLDER.resolve(name).toString();
    }

    static TableLanguageModel model() {
        TableLanguageModel model = new TableLanguageModel().with('b', -0.5).with('g', -2);
        model.responses.put("2+2=", " 4");
        return model;
    }
}
