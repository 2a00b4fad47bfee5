package org.evomerge.plugins.evaluation;

import java.util.ArrayList;
import java.util.List;

/**
 * What the evaluation tasks need from a model, whether it runs in-process ({@link LocalScoringModel}) or behind an
 * OpenAI-compatible server ({@link OpenAiScoringModel}). Log-probabilities are natural logarithms.
 */
public interface ScoringModel {

    /** {@code ln p(continuation | context)} summed over the continuation's tokens, and how many there were. */
    Score logLikelihood(String context, String continuation);

    /** The summed negative log-likelihood of a perplexity record ({@code text} or {@code input_ids}). */
    Score negativeLogLikelihood(DatasetRecord record);

    /** Greedy continuation of {@code prompt}, cut before the first of {@code stop}. */
    String generate(String prompt, int maxNewTokens, List<String> stop);

    /**
     * {@link #generate} of each prompt, in order: the same texts, possibly computed together (an in-process model runs
     * the prompts as one batch).
     */
    default List<String> generateAll(List<String> prompts, int maxNewTokens, List<String> stop) {
        List<String> responses = new ArrayList<>(prompts.size());
        for (String prompt : prompts) {
            responses.add(generate(prompt, maxNewTokens, stop));
        }
        return responses;
    }

    /**
     * A sum over tokens.
     *
     * @param sum the summed value
     * @param tokens how many tokens it covers
     */
    record Score(double sum, long tokens) {
    }
}
