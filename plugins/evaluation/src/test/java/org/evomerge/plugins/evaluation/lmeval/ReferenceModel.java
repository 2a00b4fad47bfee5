package org.evomerge.plugins.evaluation.lmeval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.inference.Generation;
import org.evomerge.api.inference.GenerationRequest;
import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;

/**
 * A tiny language model over 128 character tokens whose next-token distribution is a closed formula in float64: the
 * logit of token {@code v} after a context depends on {@code v}, on the last token and on the context's length
 * ({@link #logit}), and log-probabilities are its log-softmax. The formula is the independent reference the tests
 * compute their expected values with ({@link #logProbability}, {@link #sum}): a test builds the token sequences
 * lm-evaluation-harness would score by hand, and the evaluator must arrive at the same numbers. It also records every
 * scored sequence, and answers generation from a script (per prompt) or greedily.
 */
final class ReferenceModel implements LanguageModel {

    static final int VOCABULARY = 128;

    final List<int[]> scored = new ArrayList<>();
    final Map<String, String> scripted = new HashMap<>();
    final List<String> prompts = new ArrayList<>();
    int maxSequenceLength = 4096;

    /** The logit of {@code v} after a context of {@code length} tokens ending in {@code previous}. */
    static double logit(int previous, int length, int v) {
        return -0.15 * (v % 23) + 0.4 * Math.sin(0.7 * previous + 0.3 * v) + 0.05 * Math.cos(length + 0.2 * v);
    }

    /** {@code ln p(token | context)}, the log-softmax of {@link #logit} in float64. */
    static double logProbability(int[] context, int token) {
        int previous = context[context.length - 1];
        double max = Double.NEGATIVE_INFINITY;
        double[] logits = new double[VOCABULARY];
        for (int v = 0; v < VOCABULARY; v++) {
            logits[v] = logit(previous, context.length, v);
            max = Math.max(max, logits[v]);
        }
        double sum = 0;
        for (double l : logits) {
            sum += Math.exp(l - max);
        }
        return logits[token] - max - Math.log(sum);
    }

    /** {@code ln p(continuation | context)} summed over the continuation's tokens. */
    static double sum(int[] context, int[] continuation) {
        int[] all = Arrays.copyOf(context, context.length + continuation.length);
        System.arraycopy(continuation, 0, all, context.length, continuation.length);
        double total = 0;
        for (int i = context.length; i < all.length; i++) {
            total += logProbability(Arrays.copyOf(all, i), all[i]);
        }
        return total;
    }

    /** The most likely token after {@code context} (the first of equals). */
    static int greedy(int[] context) {
        int best = 0;
        for (int v = 1; v < VOCABULARY; v++) {
            if (logit(context[context.length - 1], context.length, v) > logit(context[context.length - 1],
                    context.length, best)) {
                best = v;
            }
        }
        return best;
    }

    @Override
    public int vocabularySize() {
        return VOCABULARY;
    }

    @Override
    public int maxSequenceLength() {
        return maxSequenceLength;
    }

    @Override
    public double[] tokenLogProbabilities(int[] tokens) {
        if (tokens.length == 0 || tokens.length > maxSequenceLength) {
            throw new IllegalArgumentException("length " + tokens.length);
        }
        scored.add(tokens.clone());
        double[] result = new double[tokens.length - 1];
        for (int i = 0; i + 1 < tokens.length; i++) {
            result[i] = logProbability(Arrays.copyOf(tokens, i + 1), tokens[i + 1]);
        }
        return result;
    }

    @Override
    public Generation generate(int[] prompt, GenerationRequest request) {
        String text = request.tokenizer().orElseThrow().decode(prompt, false);
        prompts.add(text);
        String response = scripted.get(text);
        if (response == null) {
            StringBuilder greedy = new StringBuilder();
            int[] context = prompt.clone();
            for (int i = 0; i < request.maxNewTokens(); i++) {
                int next = greedy(context);
                if (request.stopTokenIds().contains(next)) {
                    break;
                }
                greedy.append((char) next);
                context = Arrays.copyOf(context, context.length + 1);
                context[context.length - 1] = next;
            }
            response = greedy.toString();
        }
        Generation.StopReason reason = Generation.StopReason.STOP_TOKEN;
        for (String stop : request.stopStrings()) {
            int at = response.indexOf(stop);
            if (at >= 0) {
                response = response.substring(0, at);
                reason = Generation.StopReason.STOP_STRING;
            }
        }
        if (response.length() > request.maxNewTokens()) {
            response = response.substring(0, request.maxNewTokens());
            reason = Generation.StopReason.MAX_TOKENS;
        }
        return new Generation(response.chars().toArray(), response, reason);
    }

    @Override
    public InferenceSession newSession() {
        return new InferenceSession() {
            private int[] tokens = new int[0];

            @Override
            public float[] append(int... appended) {
                int[] all = Arrays.copyOf(tokens, tokens.length + appended.length);
                System.arraycopy(appended, 0, all, tokens.length, appended.length);
                tokens = all;
                float[] logits = new float[VOCABULARY];
                for (int v = 0; v < VOCABULARY; v++) {
                    logits[v] = (float) logit(tokens[tokens.length - 1], tokens.length, v);
                }
                return logits;
            }

            @Override
            public int length() {
                return tokens.length;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public void close() {
    }
}
