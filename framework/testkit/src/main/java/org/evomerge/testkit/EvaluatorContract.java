package org.evomerge.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Map;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.Model;
import org.evomerge.api.parameter.ParameterScope;
import org.junit.jupiter.api.Test;

/**
 * Contract of evaluators: a finite score and at least one named metric, the same answer for the same model (fitness
 * must be reproducible for caching and resuming), and no failure when called twice.
 */
public abstract class EvaluatorContract extends ExtensionFactoryContract<EvaluatorFactory> {

    @Override
    protected final ExtensionKind expectedKind() {
        return ExtensionKind.EVALUATOR;
    }

    /** A model this evaluator can score (see {@link org.evomerge.api.model.InMemoryModel}). */
    protected abstract Model model();

    /** The task parameters (dataset paths and the like); defaults fill the rest. */
    protected Map<String, Object> taskParameters() {
        return Map.of();
    }

    protected Evaluator evaluator() {
        return factory().create(parameters(EnumSet.allOf(ParameterScope.class), taskParameters()), context(1));
    }

    @Test
    void scoresAModelWithFiniteNamedMetrics() {
        try (Evaluator evaluator = evaluator(); Model model = model()) {
            EvaluationResult result = evaluator.evaluate(model);
            assertTrue(Double.isFinite(result.score()), "score " + result.score());
            assertFalse(result.metrics().isEmpty(), "an evaluation reports at least one metric");
            result.metrics().forEach((name, value) -> assertFalse(value.isNaN(), name + " is NaN"));
        }
    }

    @Test
    void givesTheSameAnswerTwice() {
        try (Evaluator evaluator = evaluator(); Model model = model()) {
            assertEquals(evaluator.evaluate(model), evaluator.evaluate(model));
        }
    }
}
