package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evomerge eval} through the installed launcher with the standard evaluation plugin: the external evaluators
 * (which need no inference engine) end to end, the shipped examples, and the exit codes of bad tasks and data.
 */
class EvalIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private Processes.Result evomerge(String... args) {
        return Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), args);
    }

    private static Path sharedModel() {
        Path model = Path.of(System.getProperty("evomerge.shared"), "mergekit-cases", "models", "bf16", "base");
        Assumptions.assumeTrue(Files.isDirectory(model), "shared reference models not present");
        return model;
    }

    @Test
    void commandEvaluatorScoresAModelFolderAsOneJsonDocument() throws IOException {
        Path task = Files.writeString(temp.resolve("script.yml"), """
                name: my-script
                evaluator: command
                parameters:
                  command: "test -f {model}/config.json && echo '{\\"score\\": 0.625, \\"solved\\": 5}'"
                """);
        Processes.Result result = evomerge("eval", "--model", sharedModel().toString(), "--task", task.toString(),
                "--json");
        assertEquals(0, result.exitCode(), result.toString());
        JsonNode doc = JSON.readTree(result.out());
        assertEquals(sharedModel().toAbsolutePath().normalize().toString(), doc.get("model").asText());
        assertEquals(0.625, doc.get("fitness").asDouble());
        assertEquals(5.0, doc.get("tasks").get("my-script").get("solved").asDouble());
        assertEquals(0.625, doc.get("tasks").get("my-script").get("score").asDouble());
    }

    /** Every prompt character has log-probability -1: acc picks the shortest choice, acc_norm ties to the first. */
    private static HttpServer uniformCompletionsServer() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/completions", exchange -> {
            try (exchange) {
                JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
                String prompt = request.get("prompt").asText();
                ObjectNode body = JSON.createObjectNode();
                ObjectNode logprobs = body.putArray("choices").addObject().put("text", "").putObject("logprobs");
                ArrayNode values = logprobs.putArray("token_logprobs");
                ArrayNode offsets = logprobs.putArray("text_offset");
                for (int i = 0; i <= prompt.length(); i++) {
                    if (i == 0) {
                        values.addNull();
                    } else {
                        values.add(-1.0);
                    }
                    offsets.add(i);
                }
                byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        });
        server.start();
        return server;
    }

    @Test
    void openAiHttpEvaluatorOnTheShippedMultipleChoiceExample() throws IOException {
        HttpServer server = uniformCompletionsServer();
        try {
            Path data = Distributions.built().resolve("examples/evaluation/multiple-choice.jsonl");
            Path task = Files.writeString(temp.resolve("served.yml"), "evaluator: openai-http\ndata: " + data
                    + "\nparameters: {url: 'http://127.0.0.1:" + server.getAddress().getPort()
                    + "', served_model: candidate, task: multiple-choice}\n");
            Processes.Result result = evomerge("eval", "--model", sharedModel().toString(), "--task", task.toString(),
                    "--json");
            assertEquals(0, result.exitCode(), result.toString());
            JsonNode metrics = JSON.readTree(result.out()).get("tasks").get("served");
            // shortest choices are all wrong; first choices are right for questions 1 and 4 of 5
            assertEquals(0.0, metrics.get("acc").asDouble());
            assertEquals(0.4, metrics.get("acc_norm").asDouble(), 1e-12);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void badDataExitsWithThreeNamingTheLineAndBadTasksWithTwo() throws IOException {
        Path data = Files.writeString(temp.resolve("broken.jsonl"), "{\"prompt\": \"a\", \"answer\": \"b\"}\n{oops\n");
        Path task = Files.writeString(temp.resolve("gen.yml"), "evaluator: openai-http\ndata: broken.jsonl\n"
                + "parameters: {url: 'http://127.0.0.1:9', task: generation}\n");
        Processes.Result bad = evomerge("eval", "--model", sharedModel().toString(), "--task", task.toString());
        assertEquals(3, bad.exitCode(), bad.toString());
        assertTrue(bad.err().startsWith("evomerge: error: " + data + ":2: not valid JSON"), bad.err());

        Path wrong = Files.writeString(temp.resolve("wrong.yml"), "evaluator: openai-http\ndata: broken.jsonl\n"
                + "parameters: {url: 'http://127.0.0.1:9', task: summarise}\n");
        Processes.Result config = evomerge("eval", "--model", sharedModel().toString(), "--task", wrong.toString());
        assertEquals(2, config.exitCode(), config.toString());
        assertTrue(config.err().contains(wrong + ": openai-http: parameter 'task'"), config.err());
    }
}
