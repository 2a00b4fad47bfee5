package org.evomerge.plugins.evaluation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;

/**
 * POSTs to an OpenAI-compatible {@code /v1/completions} endpoint (vLLM, llama.cpp's server, TGI...). Each request has
 * a timeout; connection failures, timeouts, HTTP 429 and 5xx are retried with exponential backoff
 * ({@code backoff * 2^attempt}); other HTTP errors fail at once. Failures are one-line errors naming the URL, the
 * status or cause, the attempt count and the start of the server's answer.
 */
public final class OpenAiCompletionsClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final Duration timeout;
    private final int retries;
    private final Duration backoff;
    private final Optional<String> apiKey;
    private final HttpClient http;

    /** @param baseUrl e.g. {@code http://localhost:8000} or {@code http://localhost:8000/v1} */
    public OpenAiCompletionsClient(String baseUrl, Duration timeout, int retries, Duration backoff,
            Optional<String> apiKey) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.endpoint = URI.create(base.endsWith("/v1") ? base + "/completions" : base + "/v1/completions");
        this.timeout = timeout;
        this.retries = retries;
        this.backoff = backoff;
        this.apiKey = apiKey;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public URI endpoint() {
        return endpoint;
    }

    /** The parsed response to {@code body}. */
    public JsonNode complete(Map<String, Object> body) {
        String payload;
        try {
            payload = JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        String lastProblem = "";
        for (int attempt = 0; attempt <= retries; attempt++) {
            if (attempt > 0) {
                sleep(backoff.multipliedBy(1L << Math.min(attempt - 1, 20)));
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(payload));
            apiKey.ifPresent(key -> request.header("Authorization", "Bearer " + key));
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (HttpTimeoutException e) {
                lastProblem = "no answer within " + timeout.toMillis() / 1000.0 + " s";
                continue;
            } catch (IOException e) {
                lastProblem = "cannot connect (" + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")";
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EvomergeException(ErrorCategory.INPUT, "openai-http: POST " + endpoint + ": interrupted", e);
            }
            int status = response.statusCode();
            if (status == 200) {
                try {
                    return JSON.readTree(response.body());
                } catch (JsonProcessingException e) {
                    throw EvomergeException.input("openai-http: POST " + endpoint + ": the answer is not JSON: "
                            + head(response.body()), e);
                }
            }
            lastProblem = "HTTP " + status + ": " + head(response.body());
            if (status != 429 && status < 500) {
                throw EvomergeException.input("openai-http: POST " + endpoint + ": " + lastProblem, null);
            }
        }
        throw EvomergeException.input("openai-http: POST " + endpoint + ": " + lastProblem + " (after "
                + (retries + 1) + " attempt" + (retries == 0 ? "" : "s") + ")", null);
    }

    private static String head(String body) {
        String oneLine = body == null ? "" : body.replaceAll("\\s+", " ").strip();
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EvomergeException(ErrorCategory.INPUT, "openai-http: interrupted while waiting to retry", e);
        }
    }
}
