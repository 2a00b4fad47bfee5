package org.evomerge.plugins.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.inference.ChatMessage;

/**
 * Scores through an OpenAI-compatible completions server. Log-likelihoods use {@code echo} with {@code logprobs}, as
 * lm-eval's completions backend does: the server returns the prompt's tokens with their log-probabilities and
 * character offsets, and the continuation's share is the tokens starting at or after the context's end (offsets
 * count Unicode code points). Generation is greedy ({@code temperature 0}).
 */
public final class OpenAiScoringModel implements ScoringModel {

    private final OpenAiCompletionsClient client;
    private final String model;

    public OpenAiScoringModel(OpenAiCompletionsClient client, String model) {
        this.client = client;
        this.model = model;
    }

    private Map<String, Object> echoRequest(Object prompt) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("prompt", prompt);
        body.put("max_tokens", 1);
        body.put("temperature", 0);
        body.put("echo", true);
        body.put("logprobs", 1);
        return body;
    }

    private JsonNode logprobs(JsonNode response) {
        JsonNode logprobs = response.path("choices").path(0).path("logprobs");
        if (!logprobs.path("token_logprobs").isArray()) {
            throw EvomergeException.input("openai-http: " + client.endpoint()
                    + ": the answer has no choices[0].logprobs.token_logprobs (does the server support echo with"
                    + " logprobs?)", null);
        }
        return logprobs;
    }

    /** The echoed tokens (indices into {@code logprobs}) that start at or after {@code from} and before {@code to}. */
    private List<Integer> tokensBetween(JsonNode logprobs, int from, int to) {
        JsonNode values = logprobs.path("token_logprobs");
        JsonNode offsets = logprobs.path("text_offset");
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            int offset = offsets.path(i).asInt(-1);
            if (offset < 0) {
                throw EvomergeException.input("openai-http: " + client.endpoint()
                        + ": the answer has no text_offset for token " + i, null);
            }
            // Tokens from the context's end up to the prompt's end; the one generated token lies past it.
            if (offset >= from && offset < to && !values.get(i).isNull()) {
                indices.add(i);
            }
        }
        return indices;
    }

    @Override
    public Score logLikelihood(String context, String continuation) {
        String prompt = context + continuation;
        JsonNode logprobs = logprobs(client.complete(echoRequest(prompt)));
        JsonNode values = logprobs.path("token_logprobs");
        double sum = 0;
        List<Integer> tokens = tokensBetween(logprobs, context.codePointCount(0, context.length()),
                prompt.codePointCount(0, prompt.length()));
        for (int i : tokens) {
            sum += values.get(i).asDouble();
        }
        return new Score(sum, tokens.size());
    }

    /** As lm-eval's completions backend: every continuation token's log-probability is its position's top one. */
    @Override
    public boolean isGreedy(String context, String continuation) {
        String prompt = context + continuation;
        JsonNode logprobs = logprobs(client.complete(echoRequest(prompt)));
        JsonNode values = logprobs.path("token_logprobs");
        JsonNode top = logprobs.path("top_logprobs");
        for (int i : tokensBetween(logprobs, context.codePointCount(0, context.length()),
                prompt.codePointCount(0, prompt.length()))) {
            double best = Double.NEGATIVE_INFINITY;
            for (JsonNode candidate : top.path(i)) {
                best = Math.max(best, candidate.asDouble());
            }
            if (!top.path(i).isObject()) {
                throw EvomergeException.input("openai-http: " + client.endpoint()
                        + ": the answer has no top_logprobs for token " + i, null);
            }
            if (values.get(i).asDouble() != best) {
                return false;
            }
        }
        return true;
    }

    /** The whole text in one echo request: every token the server scores (all but its first). */
    @Override
    public Score rollingLogLikelihood(String text) {
        JsonNode logprobs = logprobs(client.complete(echoRequest(text)));
        JsonNode values = logprobs.path("token_logprobs");
        double sum = 0;
        List<Integer> tokens = tokensBetween(logprobs, 0, text.codePointCount(0, text.length()));
        for (int i : tokens) {
            sum += values.get(i).asDouble();
        }
        return new Score(sum, tokens.size());
    }

    /** A server applies its own chat template to chat requests; completions requests get none. */
    @Override
    public Optional<String> applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt,
            boolean continueFinalMessage) {
        return Optional.empty();
    }

    @Override
    public Score negativeLogLikelihood(DatasetRecord record) {
        if (record.has("input_ids")) {
            int[] ids = record.tokenIds("input_ids");
            JsonNode values = logprobs(client.complete(echoRequest(ids))).path("token_logprobs");
            double nll = 0;
            long tokens = 0;
            for (int i = 1; i < Math.min(ids.length, values.size()); i++) {
                nll -= values.get(i).asDouble();
                tokens++;
            }
            return new Score(nll, tokens);
        }
        String text = record.text("text");
        JsonNode logprobs = logprobs(client.complete(echoRequest(text)));
        JsonNode values = logprobs.path("token_logprobs");
        JsonNode offsets = logprobs.path("text_offset");
        int end = text.codePointCount(0, text.length());
        double nll = 0;
        long tokens = 0;
        for (int i = 0; i < values.size(); i++) {
            if (!values.get(i).isNull() && offsets.path(i).asInt(Integer.MAX_VALUE) < end) {
                nll -= values.get(i).asDouble();
                tokens++;
            }
        }
        return new Score(nll, tokens);
    }

    @Override
    public String generate(String prompt, int maxNewTokens, List<String> stop) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("prompt", prompt);
        body.put("max_tokens", maxNewTokens);
        body.put("temperature", 0);
        if (!stop.isEmpty()) {
            body.put("stop", stop);
        }
        JsonNode text = client.complete(body).path("choices").path(0).path("text");
        if (!text.isTextual()) {
            throw EvomergeException.input("openai-http: " + client.endpoint() + ": the answer has no choices[0].text",
                    null);
        }
        return text.asText();
    }
}
