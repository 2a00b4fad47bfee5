package org.evomerge.api.evaluation;

import org.evomerge.api.Stable;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionFactory;
import org.evomerge.api.parameter.Parameters;

/** Extension point for evaluators (perplexity, multiple choice, generation, HTTP, command, ...). */
@Stable(since = "0.1.0")
public interface EvaluatorFactory extends ExtensionFactory {

    Evaluator create(Parameters parameters, RunContext context);
}
