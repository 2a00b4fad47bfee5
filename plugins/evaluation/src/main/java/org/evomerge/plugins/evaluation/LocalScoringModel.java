package org.evomerge.plugins.evaluation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.inference.Generation;
import org.evomerge.api.inference.GenerationRequest;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.inference.Tokenizer;

/**
 * Scores with an in-process {@link LanguageModel}. Continuations are scored as lm-eval-harness does: the context is
 * encoded with the tokenizer's special tokens (BOS), the continuation's tokens are those of the encoded whole past
 * the context's length, whitespace ending the context moves to the continuation, and over-long inputs lose tokens
 * on the left. Long perplexity records are split into consecutive windows of the model's length, each token
 * predicted once.
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

    @Override
    public Score logLikelihood(String context, String continuation) {
        int trailing = context.length() - context.stripTrailing().length();
        if (trailing > 0) {
            continuation = context.substring(context.length() - trailing) + continuation;
            context = context.substring(0, context.length() - trailing);
        }
        Tokenizer t = tokenizer();
        int[] contextIds = t.encode(context, true);
        int[] whole = t.encode(context + continuation, true);
        int[] continuationIds = Arrays.copyOfRange(whole, Math.min(contextIds.length, whole.length), whole.length);
        if (contextIds.length == 0) {
            // Nothing to condition the first token on: start from BOS, or EOS as lm-eval does for empty contexts.
            int prefix = t.bosTokenId().orElse(t.eosTokenId().orElseThrow(() -> EvomergeException.configuration(
                    evaluatorId + ": empty context and the tokenizer has neither BOS nor EOS to start from")));
            contextIds = new int[] {prefix};
        }
        if (continuationIds.length == 0) {
            return new Score(0, 0);
        }
        int[] tokens = concat(contextIds, continuationIds);
        int start = Math.max(0, tokens.length - window);
        int[] scored = Arrays.copyOfRange(tokens, start, tokens.length);
        double[] logProbabilities = model.tokenLogProbabilities(scored);
        int first = Math.max(0, scored.length - continuationIds.length - 1);
        double sum = 0;
        for (int i = first; i < logProbabilities.length; i++) {
            sum += logProbabilities[i];
        }
        return new Score(sum, logProbabilities.length - first);
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
            int[] ids = t.encode(prompt, true);
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
