package org.evomerge.api.inference;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.evomerge.api.Experimental;

/**
 * How to continue a prompt.
 *
 * @param maxNewTokens at least 1
 * @param temperature 0 for greedy decoding, otherwise the softmax temperature
 * @param topP nucleus sampling mass in (0, 1]; 1 disables it
 * @param seed sampling seed; the same seed, model and prompt give the same tokens
 * @param stopTokenIds generation ends after emitting one of these (typically EOS); the token is not returned
 * @param stopStrings generation ends when the decoded text contains one; the text is cut before it
 * @param tokenizer decodes tokens for {@code stopStrings} and {@link Generation#text()}; required when
 *     {@code stopStrings} is not empty
 */
@Experimental(since = "0.1.0",
        reason = "text generation for evaluators and mutations; sampling and session options may grow")
public record GenerationRequest(
        int maxNewTokens,
        double temperature,
        double topP,
        long seed,
        List<Integer> stopTokenIds,
        List<String> stopStrings,
        Optional<Tokenizer> tokenizer) {

    public GenerationRequest {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be at least 1, got " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        stopTokenIds = List.copyOf(stopTokenIds);
        stopStrings = List.copyOf(stopStrings);
        tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        if (!stopStrings.isEmpty() && tokenizer.isEmpty()) {
            throw new IllegalArgumentException("stop strings need a tokenizer to decode the generated tokens");
        }
    }

    /** Greedy decoding of at most {@code maxNewTokens}, stopping at the tokenizer's EOS when it has one. */
    public static GenerationRequest greedy(int maxNewTokens, Optional<Tokenizer> tokenizer) {
        List<Integer> stops = tokenizer.flatMap(t -> t.eosTokenId().isPresent()
                ? Optional.of(List.of(t.eosTokenId().getAsInt())) : Optional.<List<Integer>>empty()).orElse(List.of());
        return new GenerationRequest(maxNewTokens, 0, 1, 0, stops, List.of(), tokenizer);
    }
}
