package org.evomerge.plugins.evaluation;

import java.io.IOException;
import java.util.Map;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.model.Model;
import org.evomerge.testkit.EvaluatorContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class OpenAiHttpContractTest extends EvaluatorContract {

    static FakeCompletionsServer server;

    @BeforeAll
    static void start() throws IOException {
        server = new FakeCompletionsServer(EvaluationFixtures.model());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Override
    protected EvaluatorFactory factory() {
        return new OpenAiHttpEvaluatorFactory();
    }

    @Override
    protected Model model() {
        return FakeInference.model();
    }

    @Override
    protected Map<String, Object> taskParameters() {
        return Map.of("url", server.url(), "served_model", "m", "data", EvaluationFixtures.data("mc.jsonl"));
    }
}
