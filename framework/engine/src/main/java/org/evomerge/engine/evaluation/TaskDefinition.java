package org.evomerge.engine.evaluation;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One evaluation task as written in a task file (or built from command-line options), before its evaluator is
 * looked up: raw parameter values, with {@code data} among them.
 *
 * @param name        the task's name in reports ({@code tasks.NAME} in {@code --json})
 * @param evaluatorId the evaluator extension's id
 * @param weight      its weight in the combined fitness ({@link org.evomerge.api.evaluation.TaskWeights}), positive
 * @param weightGiven whether the weight was written, rather than the default 1
 * @param parameters  raw values (YAML types or text); relative paths are resolved against {@code baseDirectory}
 * @param source      where it was written, for error messages (a file path or a command-line description)
 * @param baseDirectory the folder relative paths are resolved against
 */
public record TaskDefinition(String name, String evaluatorId, double weight, boolean weightGiven,
        Map<String, Object> parameters, String source, Path baseDirectory) {

    public TaskDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(evaluatorId, "evaluatorId");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(baseDirectory, "baseDirectory");
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight must be positive, got " + weight);
        }
        parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }
}
