package org.evomerge.plugins.evaluation;

import java.util.Set;
import org.pf4j.Extension;

/**
 * Mean negative log-likelihood and perplexity over {@code {"text": ...}} or pre-tokenized
 * {@code {"input_ids": [...]}} records; fitness is {@code -nll}. Pre-tokenized data needs no tokenizer.
 */
@Extension
public class PerplexityEvaluatorFactory extends LocalEvaluatorFactory {

    public PerplexityEvaluatorFactory() {
        super(TaskKind.PERPLEXITY, "Mean negative log-likelihood and perplexity over text or input_ids"
                + " (fitness = -nll).", Set.of());
    }
}
