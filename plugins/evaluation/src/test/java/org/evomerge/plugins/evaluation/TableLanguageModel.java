package org.evomerge.plugins.evaluation;

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
 * A fake model with hand-checkable log-probabilities: {@code ln p(t | anything) = logProb(t)}, from a table with a
 * default; and scripted greedy responses per decoded prompt. Records the length of every scored sequence.
 */
final class TableLanguageModel implements LanguageModel {

    final Map<Integer, Double> table = new HashMap<>();
    final Map<String, String> responses = new HashMap<>();
    final List<Integer> scoredLengths = new ArrayList<>();
    /** The number of prompts of each {@link #generateAll} call, and 1 for each {@link #generate} call. */
    final List<Integer> generationBatches = new ArrayList<>();
    double defaultLogProb = -5;
    int maxSequenceLength = 4096;
    int vocabularySize = 128;
    boolean closed;

    TableLanguageModel with(char token, double logProb) {
        table.put((int) token, logProb);
        return this;
    }

    double logProb(int token) {
        return table.getOrDefault(token, defaultLogProb);
    }

    @Override
    public int vocabularySize() {
        return vocabularySize;
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
        scoredLengths.add(tokens.length);
        double[] result = new double[tokens.length - 1];
        for (int i = 0; i + 1 < tokens.length; i++) {
            result[i] = logProb(tokens[i + 1]);
        }
        return result;
    }

    @Override
    public List<Generation> generateAll(List<int[]> prompts, GenerationRequest request) {
        generationBatches.add(prompts.size());
        return prompts.stream().map(p -> respond(p, request)).toList();
    }

    @Override
    public Generation generate(int[] prompt, GenerationRequest request) {
        generationBatches.add(1);
        return respond(prompt, request);
    }

    private Generation respond(int[] prompt, GenerationRequest request) {
        String key = request.tokenizer().orElseThrow().decode(prompt, true);
        String response = responses.getOrDefault(key, "");
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
        int[] tokens = new CharTokenizer().encode(response, false);
        return new Generation(Arrays.copyOf(tokens, tokens.length), response, reason);
    }

    @Override
    public InferenceSession newSession() {
        throw new UnsupportedOperationException("not needed by the evaluators");
    }

    @Override
    public void close() {
        closed = true;
    }
}
