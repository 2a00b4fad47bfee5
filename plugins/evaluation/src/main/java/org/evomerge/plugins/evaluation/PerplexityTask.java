package org.evomerge.plugins.evaluation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.evaluation.EvaluationResult;

/**
 * Mean negative log-likelihood per predicted token over all records (token-weighted, as lm-eval's word and byte
 * perplexities are), its exponential (perplexity) and the token count. Fitness is {@code -nll}.
 */
public final class PerplexityTask implements EvaluationTask {

    @Override
    public void check(List<DatasetRecord> records) {
        for (DatasetRecord record : records) {
            if (record.has("input_ids")) {
                record.tokenIds("input_ids");
            } else if (record.has("text")) {
                record.text("text");
            } else {
                throw record.error("expected 'text' or 'input_ids'");
            }
        }
    }

    @Override
    public EvaluationResult run(ScoringModel model, List<DatasetRecord> records) {
        double nll = 0;
        long tokens = 0;
        for (DatasetRecord record : records) {
            ScoringModel.Score score = model.negativeLogLikelihood(record);
            nll += score.sum();
            tokens += score.tokens();
        }
        if (tokens == 0) {
            throw EvomergeException.input(records.getFirst().file()
                    + ": no record has two or more tokens, so nothing can be predicted", null);
        }
        double mean = nll / tokens;
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("nll", mean);
        metrics.put("perplexity", Math.exp(mean));
        metrics.put("tokens", (double) tokens);
        return new EvaluationResult(metrics, -mean);
    }
}
