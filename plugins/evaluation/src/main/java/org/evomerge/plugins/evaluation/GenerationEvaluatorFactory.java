package org.evomerge.plugins.evaluation;

import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.pf4j.Extension;

/** Greedy generation, answer extraction (regex, GSM8K, numbers) and output constraints (accuracy). */
@Extension
public class GenerationEvaluatorFactory extends LocalEvaluatorFactory {

    public GenerationEvaluatorFactory() {
        super(TaskKind.GENERATION, "Greedy generation, answer extraction (regex, GSM8K, numbers) and output constraints (accuracy).", Set.of(Capability.NEEDS_TOKENIZER));
    }
}
