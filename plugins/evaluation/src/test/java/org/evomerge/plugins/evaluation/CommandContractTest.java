package org.evomerge.plugins.evaluation;

import java.util.Map;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.model.Model;
import org.evomerge.testkit.EvaluatorContract;

class CommandContractTest extends EvaluatorContract {

    @Override
    protected EvaluatorFactory factory() {
        return new CommandEvaluatorFactory();
    }

    @Override
    protected Model model() {
        return CommandEvaluatorTest.folderModel(EvaluationFixtures.FOLDER);
    }

    @Override
    protected Map<String, Object> taskParameters() {
        return Map.of("command", "test -d {model} && echo '{\"score\": 0.75}'");
    }
}
