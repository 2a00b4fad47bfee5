package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
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

    /** The small Llama of the shared reference models, in float32 (no tokenizer: pre-tokenized data). */
    private static Path sharedF32Model() {
        Path model = Path.of(System.getProperty("evomerge.shared"), "mergekit-cases", "models", "f32", "ft1");
        Assumptions.assumeTrue(Files.isDirectory(model), "shared reference models not present");
        return model;
    }

    private Path perplexityTask() throws IOException {
        StringBuilder data = new StringBuilder();
        java.util.Random random = new java.util.Random(7);
        for (int length : new int[] {200, 37, 120, 9, 255, 64}) {
            StringBuilder ids = new StringBuilder("1");
            for (int i = 1; i < length; i++) {
                ids.append(", ").append(3 + random.nextInt(253));
            }
            data.append("{\"input_ids\": [").append(ids).append("]}\n");
        }
        Files.writeString(temp.resolve("ppl.jsonl"), data);
        return Files.writeString(temp.resolve("ppl.yml"), "name: ppl\nevaluator: perplexity\ndata: ppl.jsonl\n");
    }

    /**
     * The same perplexity in fresh JVMs, on one thread and on several, with the scalar and the vector backend, gives
     * the same bits: the inference kernels add in a fixed order, so a run does not depend on when the JIT compiles
     * them (four fresh runs gave four different nll values, about 1e-10 apart, before).
     */
    @Test
    void perplexityHasTheSameBitsInFreshJvmsWhateverTheThreadsAndBackend() throws IOException {
        String model = sharedF32Model().toString();
        String task = perplexityTask().toString();
        List<List<String>> variants = List.of(List.of(), List.of(), List.of("--threads", "1", "--backend",
                "cpu-reference"), List.of("--threads", "3", "--backend", "cpu-vector"));
        Set<String> nll = new LinkedHashSet<>();
        for (List<String> variant : variants) {
            List<String> args = new ArrayList<>(List.of("eval", "--model", model, "--task", task, "--json",
                    "--no-cache"));
            args.addAll(variant);
            Processes.Result result = evomerge(args.toArray(String[]::new));
            assertEquals(0, result.exitCode(), result.toString());
            JsonNode ppl = JSON.readTree(result.out()).get("tasks").get("ppl");
            assertEquals(679.0, ppl.get("tokens").asDouble());
            nll.add(ppl.get("nll").asText());
        }
        assertEquals(1, nll.size(), "nll of " + variants + ": " + nll);
    }

    /**
     * {@code eval}'s fitness is the weighted sum of the task scores, as {@code evolve}'s, and unweighted tasks of two
     * scales (a negated nll and a score in [0, 1]) are summed with a one-line warning.
     */
    @Test
    void fitnessIsTheWeightedSumAndMixedScalesWithoutWeightsAreWarnedAbout() throws IOException {
        String model = sharedF32Model().toString();
        String ppl = perplexityTask().toString();
        Path script = Files.writeString(temp.resolve("script.yml"), """
                name: script
                evaluator: command
                parameters:
                  command: "echo '{\\"score\\": 0.625}'"
                """);
        Processes.Result result = evomerge("eval", "--model", model, "--task", ppl, "--task", script.toString(),
                "--json", "--no-cache");
        assertEquals(0, result.exitCode(), result.toString());
        JsonNode doc = JSON.readTree(result.out());
        double nll = doc.get("tasks").get("ppl").get("nll").asDouble();
        assertEquals(-nll + 0.625, doc.get("fitness").asDouble(), 1e-12);
        assertEquals(1, result.err().lines().filter(l -> l.startsWith("evomerge: warning: ")).count(), result.err());
        assertTrue(result.err().contains("'ppl' (" + (-nll) + ") outside [0, 1], 'script' (0.625) within it"),
                result.err());

        Path weighted = Files.writeString(temp.resolve("weighted.yml"), Files.readString(script) + "weight: 4\n");
        Processes.Result quiet = evomerge("eval", "--model", model, "--task", ppl, "--task", weighted.toString(),
                "--json", "--no-cache");
        assertEquals(0, quiet.exitCode(), quiet.toString());
        assertEquals(-nll + 4 * 0.625, JSON.readTree(quiet.out()).get("fitness").asDouble(), 1e-12);
        assertFalse(quiet.err().contains("warning"), quiet.err());
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
