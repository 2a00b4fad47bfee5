package org.evomerge.plugins.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.evaluation.EvaluationResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP evaluator against a JDK HttpServer that serves a table model: same numbers as the in-process path. */
class OpenAiHttpEvaluatorTest {

    @TempDir
    Path temp;

    private static TableLanguageModel table() {
        return new TableLanguageModel().with(' ', -1).with('x', -3).with('y', -1);
    }

    private Map<String, Object> parameters(FakeCompletionsServer server, String task, Path data) {
        Map<String, Object> p = new HashMap<>();
        p.put("url", server.url());
        p.put("task", task);
        p.put("data", data.toString());
        p.put("served_model", "candidate-7");
        p.put("backoff_seconds", 0);
        return p;
    }

    @Test
    void multipleChoiceThroughEchoLogprobsMatchesTheInProcessResult() throws Exception {
        Path data = FakeInference.jsonl(temp, "mc.jsonl",
                "{\"context\": \"Q:\", \"choices\": [\" x\", \" yyyy\"], \"label\": 1}",
                "{\"context\": \"Q: \", \"choices\": [\"x\", \"yyyy\"], \"label\": 0}");
        try (FakeCompletionsServer server = new FakeCompletionsServer(table())) {
            EvaluationResult remote = LogLikelihoodEvaluatorsTest.evaluate(new OpenAiHttpEvaluatorFactory(),
                    parameters(server, "multiple-choice", data), FakeInference.contextWithoutEngine());
            EvaluationResult local = LogLikelihoodEvaluatorsTest.evaluate(new MultipleChoiceEvaluatorFactory(),
                    Map.of("data", data.toString()), FakeInference.context(table(), true));
            assertEquals(local, remote);
            assertEquals("candidate-7", server.requests.getFirst().path("model").asText());
            assertTrue(server.requests.getFirst().path("echo").asBoolean());
        }
    }

    @Test
    void perplexityOfTextAndTokenIds() throws Exception {
        TableLanguageModel model = table();
        model.table.put(10, -2.0);
        Path data = FakeInference.jsonl(temp, "ppl.jsonl", "{\"text\": \"xy\"}", "{\"input_ids\": [1, 10, 10]}");
        try (FakeCompletionsServer server = new FakeCompletionsServer(model)) {
            EvaluationResult r = LogLikelihoodEvaluatorsTest.evaluate(new OpenAiHttpEvaluatorFactory(),
                    parameters(server, "perplexity", data), FakeInference.contextWithoutEngine());
            // text "xy": first token unscored, y = -1; ids: 10, 10 = -2 each; generated token ignored
            assertEquals((1 + 2 + 2) / 3.0, r.metrics().get("nll"), 1e-12);
            assertEquals(3.0, r.metrics().get("tokens"));
        }
    }

    @Test
    void generationSendsStopAndMaxTokens() throws Exception {
        TableLanguageModel model = table();
        model.responses.put("2+2=", " 4\n\nnext question");
        Path data = FakeInference.jsonl(temp, "gen.jsonl", "{\"prompt\": \"2+2=\", \"answer\": \"4\"}");
        try (FakeCompletionsServer server = new FakeCompletionsServer(model)) {
            Map<String, Object> p = parameters(server, "generation", data);
            p.put("stop", "\n\n");
            p.put("extract", "last_number");
            p.put("numeric", true);
            p.put("max_new_tokens", 16);
            EvaluationResult r = LogLikelihoodEvaluatorsTest.evaluate(new OpenAiHttpEvaluatorFactory(), p,
                    FakeInference.contextWithoutEngine());
            assertEquals(1.0, r.score());
            assertEquals(16, server.requests.getFirst().path("max_tokens").asInt());
            assertEquals("\n\n", server.requests.getFirst().path("stop").path(0).asText());
        }
    }

    @Test
    void serverErrorsAreRetriedThenReportedClientErrorsAreNot() throws Exception {
        Path data = FakeInference.jsonl(temp, "ppl.jsonl", "{\"text\": \"xy\"}");
        try (FakeCompletionsServer server = new FakeCompletionsServer(table())) {
            server.statusForRequest = n -> n < 2 ? 503 : 200;
            Map<String, Object> p = parameters(server, "perplexity", data);
            p.put("retries", 2);
            assertEquals(1.0, LogLikelihoodEvaluatorsTest.evaluate(new OpenAiHttpEvaluatorFactory(), p,
                    FakeInference.contextWithoutEngine()).metrics().get("nll"), 1e-12);
            assertEquals(3, server.count.get(), "two failures, then success");

            server.count.set(0);
            server.statusForRequest = n -> 500;
            EvomergeException e = assertThrows(EvomergeException.class, () -> LogLikelihoodEvaluatorsTest.evaluate(
                    new OpenAiHttpEvaluatorFactory(), p, FakeInference.contextWithoutEngine()));
            assertEquals(ErrorCategory.INPUT, e.category());
            assertTrue(e.getMessage().contains("HTTP 500") && e.getMessage().contains("after 3 attempts")
                    && e.getMessage().contains("synthetic failure"), e.getMessage());
            assertEquals(3, server.count.get());

            server.count.set(0);
            server.statusForRequest = n -> 400;
            EvomergeException bad = assertThrows(EvomergeException.class, () -> LogLikelihoodEvaluatorsTest.evaluate(
                    new OpenAiHttpEvaluatorFactory(), p, FakeInference.contextWithoutEngine()));
            assertTrue(bad.getMessage().contains("HTTP 400"), bad.getMessage());
            assertEquals(1, server.count.get(), "a client error is not retried");
        }
    }

    @Test
    void aServerThatDoesNotAnswerInTimeFailsWithTheTimeout() throws Exception {
        Path data = FakeInference.jsonl(temp, "ppl.jsonl", "{\"text\": \"xy\"}");
        try (FakeCompletionsServer server = new FakeCompletionsServer(table())) {
            server.delayMillis = 2_000;
            Map<String, Object> p = parameters(server, "perplexity", data);
            p.put("timeout_seconds", 0.2);
            p.put("retries", 1);
            EvomergeException e = assertThrows(EvomergeException.class, () -> LogLikelihoodEvaluatorsTest.evaluate(
                    new OpenAiHttpEvaluatorFactory(), p, FakeInference.contextWithoutEngine()));
            assertTrue(e.getMessage().contains("no answer within 0.2 s") && e.getMessage().contains("after 2 attempts"),
                    e.getMessage());
        }
    }

    @Test
    void nothingListeningIsAConnectionError() {
        Path data = FakeInference.jsonl(temp, "ppl.jsonl", "{\"text\": \"xy\"}");
        Map<String, Object> p = new HashMap<>(Map.of("url", "http://127.0.0.1:9", "task", "perplexity",
                "data", data.toString(), "served_model", "m", "retries", 0));
        EvomergeException e = assertThrows(EvomergeException.class, () -> LogLikelihoodEvaluatorsTest.evaluate(
                new OpenAiHttpEvaluatorFactory(), p, FakeInference.contextWithoutEngine()));
        assertTrue(e.getMessage().startsWith("openai-http: POST http://127.0.0.1:9/v1/completions: cannot connect"),
                e.getMessage());
    }
}
