package org.evomerge.engine.evaluation;

import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.parameter.Parameters;

/**
 * A task whose evaluator was found and whose parameters passed its schema (paths absolute).
 *
 * @param definition what was written
 * @param factory    the evaluator extension
 * @param parameters validated values, defaults filled in
 */
public record ResolvedTask(TaskDefinition definition, EvaluatorFactory factory, Parameters parameters) {
}
