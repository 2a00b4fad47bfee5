package org.evomerge.plugins.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.EvomergeException;

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

    @Override
    public Score logLikelihood(String context, String continuation) {
        String prompt = context + continuation;
        JsonNode logprobs = logprobs(client.complete(echoRequest(prompt)));
        JsonNode values = logprobs.path("token_logprobs");
        JsonNode offsets = logprobs.path("text_offset");
        int contextEnd = context.codePointCount(0, context.length());
        int promptEnd = prompt.codePointCount(0, prompt.length());
        double sum = 0;
        long tokens = 0;
        for (int i = 0; i < values.size(); i++) {
            int offset = offsets.path(i).asInt(-1);
            if (offset < 0) {
                throw EvomergeException.input("openai-http: " + client.endpoint()
                        + ": the answer has no text_offset for token " + i, null);
            }
            // Tokens from the context's end up to the prompt's end; the one generated token lies past it.
            if (offset >= contextEnd && offset < promptEnd && !values.get(i).isNull()) {
                sum += values.get(i).asDouble();
                tokens++;
            }
        }
        return new Score(sum, tokens);
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
