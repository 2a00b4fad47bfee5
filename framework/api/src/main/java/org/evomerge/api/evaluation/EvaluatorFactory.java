package org.evomerge.api.evaluation;

import java.nio.file.Path;
import java.util.List;

import org.evomerge.api.Experimental;
import org.evomerge.api.Stable;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionFactory;
import org.evomerge.api.parameter.Parameters;

/** Extension point for evaluators (perplexity, multiple choice, generation, HTTP, command, ...). */
@Stable(since = "0.1.0")
public interface EvaluatorFactory extends ExtensionFactory {

    Evaluator create(Parameters parameters, RunContext context);

    /**
     * The files, besides those its path parameters name, whose content an evaluation with {@code parameters} reads
     * (the datasets a task configuration points to), so a result cache can tell when they change. Found without
     * reading them.
     *
     * @throws org.evomerge.api.EvomergeException when the files cannot be located (a dataset that is not on disk),
     *     as {@link #create} would fail
     */
    @Experimental(since = "0.1.0", reason = "lm-evaluation-harness tasks, whose datasets their configuration names")
    default List<Path> inputFiles(Parameters parameters) {
        return List.of();
    }
}
