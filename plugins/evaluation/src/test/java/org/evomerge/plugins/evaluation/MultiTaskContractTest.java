package org.evomerge.plugins.evaluation;

import java.util.Map;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.model.Model;
import org.evomerge.testkit.EvaluatorContract;

class MultiTaskContractTest extends EvaluatorContract {

    @Override
    protected EvaluatorFactory factory() {
        return new MultiTaskEvaluatorFactory();
    }

    @Override
    protected Model model() {
        return FakeInference.model();
    }

    @Override
    protected Map<String, Object> taskParameters() {
        return Map.of("tasks", EvaluationFixtures.data("multi.yml"));
    }

    @Override
    protected RunContext context(long seed) {
        return FakeInference.context(EvaluationFixtures.model(), true);
    }
}
