package org.evomerge.plugins.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/**
 * An OpenAI-compatible {@code /v1/completions} endpoint over a {@link TableLanguageModel}, with one token per char:
 * echo returns every prompt char with its log-probability (null for the first) and offset, then one generated token;
 * generation returns the model's scripted response. {@code failures} decides, per request number, an HTTP status to
 * answer instead (200 = answer normally), and {@code delayMillis} stalls answers.
 */
final class FakeCompletionsServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final TableLanguageModel model;
    final HttpServer server;
    final List<JsonNode> requests = new ArrayList<>();
    final AtomicInteger count = new AtomicInteger();
    volatile IntUnaryOperator statusForRequest = n -> 200;
    volatile long delayMillis;

    FakeCompletionsServer(TableLanguageModel model) throws IOException {
        this.model = model;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/completions", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            int number = count.getAndIncrement();
            synchronized (requests) {
                requests.add(request);
            }
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int status = statusForRequest.applyAsInt(number);
            if (status != 200) {
                send(exchange, status, "{\"error\": {\"message\": \"synthetic failure " + status + "\"}}");
                return;
            }
            ObjectNode choice = JSON.createObjectNode();
            if (request.path("echo").asBoolean(false)) {
                ArrayNode tokens = choice.putObject("logprobs").putArray("tokens");
                ArrayNode values = ((ObjectNode) choice.get("logprobs")).putArray("token_logprobs");
                ArrayNode offsets = ((ObjectNode) choice.get("logprobs")).putArray("text_offset");
                JsonNode prompt = request.get("prompt");
                List<Integer> ids = new ArrayList<>();
                if (prompt.isTextual()) {
                    prompt.asText().chars().forEach(ids::add);
                } else {
                    prompt.forEach(id -> ids.add(id.asInt()));
                }
                ids.add((int) 'z'); // the one generated token
                for (int i = 0; i < ids.size(); i++) {
                    tokens.add(String.valueOf((char) (int) ids.get(i)));
                    if (i == 0) {
                        values.addNull();
                    } else {
                        values.add(model.logProb(ids.get(i)));
                    }
                    offsets.add(i);
                }
                choice.put("text", "");
            } else {
                String response = model.responses.getOrDefault(request.path("prompt").asText(), "");
                for (JsonNode stop : request.path("stop")) {
                    int at = response.indexOf(stop.asText());
                    if (at >= 0) {
                        response = response.substring(0, at);
                    }
                }
                choice.put("text", response);
            }
            ObjectNode body = JSON.createObjectNode();
            body.putArray("choices").add(choice);
            send(exchange, 200, body.toString());
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
