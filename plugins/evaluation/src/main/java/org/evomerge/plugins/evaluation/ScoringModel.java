package org.evomerge.plugins.evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.evomerge.api.inference.ChatMessage;

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
     * Whether greedy decoding after {@code context} yields exactly {@code continuation}'s tokens, the tokens split as
     * {@link #logLikelihood} splits them (lm-eval's {@code is_greedy}).
     */
    boolean isGreedy(String context, String continuation);

    /**
     * {@code ln p(text)} over all of its tokens, as lm-eval's {@code loglikelihood_rolling} scores a document: the
     * text encoded with the tokenizer's special tokens, the first token predicted from the prefix token (BOS, else
     * EOS), longer texts in consecutive windows that each see a full window of context.
     */
    Score rollingLogLikelihood(String text);

    /**
     * The model's chat template applied to {@code messages} ({@link org.evomerge.api.inference.Tokenizer#applyChatTemplate}).
     *
     * @return empty when the model has no chat template
     * @throws IllegalArgumentException when the template fails for these messages
     */
    Optional<String> applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt,
            boolean continueFinalMessage);

    /**
     * A sum over tokens.
     *
     * @param sum the summed value
     * @param tokens how many tokens it covers
     */
    record Score(double sum, long tokens) {
    }
}
