package org.evomerge.plugins.evaluation;

import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.pf4j.Extension;

/** Classification by log-likelihood of each label (accuracy, macro F1). */
@Extension
public class ClassificationEvaluatorFactory extends LocalEvaluatorFactory {

    public ClassificationEvaluatorFactory() {
        super(TaskKind.CLASSIFICATION, "Classification by log-likelihood of each label (accuracy, macro F1).", Set.of(Capability.NEEDS_TOKENIZER));
    }
}
