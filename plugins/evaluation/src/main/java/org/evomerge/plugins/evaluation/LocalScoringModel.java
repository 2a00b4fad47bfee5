package org.evomerge.plugins.evaluation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.inference.ChatMessage;
import org.evomerge.api.inference.Generation;
import org.evomerge.api.inference.GenerationRequest;
import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.inference.Tokenizer;

/**
 * Scores with an in-process {@link LanguageModel}. Continuations are scored as lm-eval-harness does: the context is
 * encoded with the tokenizer's special tokens (BOS) unless it starts with the BOS text already, the continuation's
 * tokens are those of the encoded whole past the context's length, whitespace ending the context moves to the
 * continuation, an empty context is the prefix token (BOS, else EOS), and over-long inputs lose tokens on the left.
 * Long perplexity records are split into consecutive windows of the model's length, each token predicted once;
 * lm-eval's rolling log-likelihood uses its own windows ({@link #rollingLogLikelihood}). Greedy checks run the
 * context through an incremental session and compare each step's most likely token.
 */
public final class LocalScoringModel implements ScoringModel {

    private final LanguageModel model;
    private final Optional<Tokenizer> tokenizer;
    private final int window;
    private final String evaluatorId;

    /**
     * @param maxLength longest sequence to score at once; 0 or more than the model's maximum means the model's maximum
     */
    public LocalScoringModel(LanguageModel model, Optional<Tokenizer> tokenizer, int maxLength, String evaluatorId) {
        this.model = model;
        this.tokenizer = tokenizer;
        int limit = model.maxSequenceLength();
        this.window = maxLength > 0 ? Math.min(maxLength, limit) : limit;
        this.evaluatorId = evaluatorId;
        if (window < 2) {
            throw new IllegalArgumentException("window of " + window + " tokens cannot score anything");
        }
    }

    private Tokenizer tokenizer() {
        return tokenizer.orElseThrow(() -> EvomergeException.configuration(evaluatorId
                + ": the model has no tokenizer (tokenizer.json); only pre-tokenized input_ids data can be scored"));
    }

    /**
     * A context and continuation as tokens: the last {@code continuation} of {@code tokens} are the continuation's,
     * everything before them the context's (cut on the left to the window).
     */
    private record Pair(int[] tokens, int continuation) {
    }

    private Pair pair(String context, String continuation) {
        Tokenizer t = tokenizer();
        int[] contextIds;
        int[] continuationIds;
        if (context.isEmpty()) {
            // lm-eval: nothing to condition on, so the prefix token (BOS, else EOS) is the context.
            int prefix = prefixToken(t);
            int[] whole = t.encode(continuation, false);
            if (whole.length > 0 && whole[0] == prefix) {
                contextIds = Arrays.copyOf(whole, 1);
                continuationIds = Arrays.copyOfRange(whole, 1, whole.length);
            } else {
                contextIds = new int[] {prefix};
                continuationIds = whole;
            }
        } else {
            int trailing = context.length() - context.stripTrailing().length();
            if (trailing > 0) {
                continuation = context.substring(context.length() - trailing) + continuation;
                context = context.substring(0, context.length() - trailing);
            }
            contextIds = encodeWithSpecialTokens(t, context);
            int[] whole = encodeWithSpecialTokens(t, context + continuation);
            continuationIds = Arrays.copyOfRange(whole, Math.min(contextIds.length, whole.length), whole.length);
            if (contextIds.length == 0) {
                contextIds = new int[] {prefixToken(t)};
            }
        }
        int[] tokens = concat(contextIds, continuationIds);
        int start = Math.max(0, tokens.length - window);
        return new Pair(Arrays.copyOfRange(tokens, start, tokens.length), continuationIds.length);
    }

    /** BOS, else EOS: what lm-eval conditions on when there is no context. */
    private int prefixToken(Tokenizer t) {
        return t.bosTokenId().orElse(t.eosTokenId().orElseThrow(() -> EvomergeException.configuration(
                evaluatorId + ": empty context and the tokenizer has neither BOS nor EOS to start from")));
    }

    /**
     * The text with the tokenizer's special tokens, unless it already starts with the BOS token's text (a chat
     * template wrote it), as lm-eval's {@code tok_encode} does.
     */
    private static int[] encodeWithSpecialTokens(Tokenizer t, String text) {
        if (t.bosTokenId().isPresent()) {
            String bos = t.decode(new int[] {t.bosTokenId().getAsInt()}, false);
            if (!bos.isEmpty() && text.startsWith(bos)) {
                return t.encode(text, false);
            }
        }
        return t.encode(text, true);
    }

    @Override
    public Score logLikelihood(String context, String continuation) {
        Pair pair = pair(context, continuation);
        if (pair.continuation() == 0) {
            return new Score(0, 0);
        }
        double[] logProbabilities = model.tokenLogProbabilities(pair.tokens());
        int first = Math.max(0, pair.tokens().length - pair.continuation() - 1);
        double sum = 0;
        for (int i = first; i < logProbabilities.length; i++) {
            sum += logProbabilities[i];
        }
        return new Score(sum, logProbabilities.length - first);
    }

    @Override
    public boolean isGreedy(String context, String continuation) {
        Pair pair = pair(context, continuation);
        int[] tokens = pair.tokens();
        int from = tokens.length - pair.continuation();
        if (pair.continuation() == 0) {
            return true;
        }
        try (InferenceSession session = model.newSession()) {
            float[] logits = session.append(Arrays.copyOf(tokens, from));
            for (int i = from; i < tokens.length; i++) {
                if (argmax(logits) != tokens[i]) {
                    return false;
                }
                if (i + 1 < tokens.length) {
                    logits = session.append(tokens[i]);
                }
            }
        }
        return true;
    }

    /** The first index of the largest value, as torch's argmax picks it. */
    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public Score rollingLogLikelihood(String text) {
        Tokenizer t = tokenizer();
        int[] tokens = encodeWithSpecialTokens(t, text);
        if (tokens.length == 0) {
            return new Score(0, 0);
        }
        // lm-eval's get_rolling_token_windows(context_len=1) + make_disjoint_window, with lm-eval's max_length the
        // inputs one call takes: window - 1 (each sequence scored here also holds its last, predicted token).
        int maxLength = window - 1;
        int prefix = prefixToken(t);
        double sum = 0;
        long count = 0;
        int firstLength = Math.min(maxLength, tokens.length);
        int[] first = new int[firstLength + 1];
        first[0] = prefix;
        System.arraycopy(tokens, 0, first, 1, firstLength);
        for (double lp : model.tokenLogProbabilities(first)) {
            sum += lp;
            count++;
        }
        int predicted = firstLength;
        while (predicted < tokens.length) {
            int predictLength = Math.min(tokens.length - predicted, maxLength);
            int end = predicted + predictLength;
            // The window's inputs are the maxLength tokens before its last one; it predicts its last predictLength.
            int start = Math.max(0, end - maxLength - 1);
            double[] logProbabilities = model.tokenLogProbabilities(Arrays.copyOfRange(tokens, start, end));
            for (int i = logProbabilities.length - predictLength; i < logProbabilities.length; i++) {
                sum += logProbabilities[i];
                count++;
            }
            predicted = end;
        }
        return new Score(sum, count);
    }

    @Override
    public Optional<String> applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt,
            boolean continueFinalMessage) {
        return tokenizer().applyChatTemplate(messages, addGenerationPrompt, continueFinalMessage);
    }

    @Override
    public Score negativeLogLikelihood(DatasetRecord record) {
        int[] ids;
        if (record.has("input_ids")) {
            ids = record.tokenIds("input_ids");
            for (int id : ids) {
                if (id >= model.vocabularySize()) {
                    throw record.error("token id " + id + " is outside the model's vocabulary of "
                            + model.vocabularySize());
                }
            }
        } else if (record.has("text")) {
            ids = tokenizer().encode(record.text("text"), true);
        } else {
            throw record.error("expected 'text' or 'input_ids'");
        }
        double nll = 0;
        long count = 0;
        for (int start = 0; start + 1 < ids.length; start += window - 1) {
            int end = Math.min(ids.length, start + window);
            double[] logProbabilities = model.tokenLogProbabilities(Arrays.copyOfRange(ids, start, end));
            for (double lp : logProbabilities) {
                nll -= lp;
            }
            count += logProbabilities.length;
        }
        return new Score(nll, count);
    }

    @Override
    public String generate(String prompt, int maxNewTokens, List<String> stop) {
        return generateAll(List.of(prompt), maxNewTokens, stop).getFirst();
    }

    /**
     * Every prompt in one {@link LanguageModel#generateAll}, which the engine runs as a batch; a single prompt in
     * {@link LanguageModel#generate}.
     */
    @Override
    public List<String> generateAll(List<String> prompts, int maxNewTokens, List<String> stop) {
        Tokenizer t = tokenizer();
        int room = model.maxSequenceLength() - maxNewTokens;
        if (room < 1) {
            throw EvomergeException.configuration(evaluatorId + ": max_new_tokens " + maxNewTokens
                    + " leaves no room for a prompt in the model's " + model.maxSequenceLength() + " tokens");
        }
        List<int[]> encoded = new ArrayList<>(prompts.size());
        for (String prompt : prompts) {
            int[] ids = encodeWithSpecialTokens(t, prompt);
            if (ids.length > room) {
                ids = Arrays.copyOfRange(ids, ids.length - room, ids.length);
            }
            encoded.add(ids);
        }
        List<Integer> stopIds = new ArrayList<>();
        t.eosTokenId().ifPresent(stopIds::add);
        GenerationRequest request = new GenerationRequest(maxNewTokens, 0, 1, 0, stopIds, stop, Optional.of(t));
        if (encoded.size() == 1) {
            return List.of(model.generate(encoded.getFirst(), request).text());
        }
        return model.generateAll(encoded, request).stream().map(Generation::text).toList();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] result = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, result, a.length, b.length);
        return result;
    }
}
