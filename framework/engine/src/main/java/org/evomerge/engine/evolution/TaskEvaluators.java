package org.evomerge.engine.evolution;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.model.Model;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.engine.plugin.RegisteredExtension;

/**
 * The run's evaluators, one per task, and for multi-fidelity runs one screening evaluator per task on the task's
 * seeded subsample. Evaluators read their datasets when created, so a task whose data is missing stops the run before
 * anything is written. Thread-safe as the evaluators are (their contract).
 */
final class TaskEvaluators implements AutoCloseable {

    private final RunFile run;
    private final List<Evaluator> full;
    private final List<Evaluator> screens;

    private TaskEvaluators(RunFile run, List<Evaluator> full, List<Evaluator> screens) {
        this.run = run;
        this.full = List.copyOf(full);
        this.screens = List.copyOf(screens);
    }

    /**
     * Creates every task's evaluators; on failure closes those already created.
     *
     * @param extensions each task's evaluator extension, in task order
     */
    static TaskEvaluators create(RunFile run, List<RegisteredExtension> extensions, RunContext context) {
        List<Evaluator> full = new ArrayList<>();
        List<Evaluator> screens = new ArrayList<>();
        try {
            for (int i = 0; i < run.tasks().size(); i++) {
                full.add(evaluator(run.tasks().get(i), extensions.get(i), Optional.empty(), context));
            }
            if (run.multiFidelity().isPresent()) {
                for (int i = 0; i < run.tasks().size(); i++) {
                    screens.add(evaluator(run.tasks().get(i), extensions.get(i), run.multiFidelity(), context));
                }
            }
        } catch (RuntimeException | Error e) {
            full.forEach(Evaluator::close);
            screens.forEach(Evaluator::close);
            throw e;
        }
        return new TaskEvaluators(run, full, screens);
    }

    /**
     * Every task's result on {@code model}, by task name in task order.
     *
     * @param fullData {@code false} to score on each task's subsample (multi-fidelity screening)
     */
    Map<String, EvaluationResult> evaluate(Model model, boolean fullData) {
        List<Evaluator> use = fullData || screens.isEmpty() ? full : screens;
        Map<String, EvaluationResult> results = new LinkedHashMap<>();
        for (int i = 0; i < run.tasks().size(); i++) {
            results.put(run.tasks().get(i).name(), use.get(i).evaluate(model));
        }
        return results;
    }

    private static Evaluator evaluator(RunFile.Task task, RegisteredExtension extension,
                                       Optional<RunFile.MultiFidelity> screening, RunContext context) {
        Map<String, Object> raw = new LinkedHashMap<>(task.parameters());
        ExtensionDescriptor d = extension.descriptor();
        if (task.data().isPresent()) {
            if (d.parameters().find("data").isEmpty()) {
                throw EvomergeException.configuration(task.key() + ": evaluator '" + d.id()
                        + "' takes no 'data' parameter");
            }
            raw.put("data", task.data().get().toString());
        }
        if (screening.isPresent()) {
            if (d.parameters().find("sample").isEmpty() || d.parameters().find("sample_seed").isEmpty()) {
                throw EvomergeException.configuration(task.key() + ": multi_fidelity needs evaluator '" + d.id()
                        + "' to take 'sample' and 'sample_seed' parameters");
            }
            double sample = screening.get().sample();
            raw.put("sample", sample >= 1 ? (Object) (long) sample : (Object) sample);
            raw.put("sample_seed", screening.get().sampleSeed());
        }
        Parameters parameters;
        try {
            parameters = ParameterValidator.validate(d, raw);
        } catch (EvomergeException e) {
            throw EvomergeException.configuration(task.key() + ": " + e.getMessage());
        }
        try {
            return ((EvaluatorFactory) extension.factory()).create(parameters, context);
        } catch (EvomergeException e) {
            // The evaluator reads its dataset now: say which task of the run file it belongs to.
            throw new EvomergeException(e.category(), task.key() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        full.forEach(Evaluator::close);
        screens.forEach(Evaluator::close);
    }
}
