package org.evomerge.plugins.evaluation;

import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.pf4j.Extension;

/** Multiple choice by log-likelihood of each choice, lm-eval style (acc, acc_norm). */
@Extension
public class MultipleChoiceEvaluatorFactory extends LocalEvaluatorFactory {

    public MultipleChoiceEvaluatorFactory() {
        super(TaskKind.MULTIPLE_CHOICE, "Multiple choice by log-likelihood of each choice, lm-eval style (acc, acc_norm).", Set.of(Capability.NEEDS_TOKENIZER));
    }
}
