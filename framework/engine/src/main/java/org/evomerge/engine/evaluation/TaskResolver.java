package org.evomerge.engine.evaluation;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.parameter.InvalidParameterException;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.engine.input.PathInput;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.engine.plugin.ExtensionCatalog;

/**
 * Finds a task's evaluator in the plugin catalog and validates its parameters against the evaluator's schema, before
 * anything runs. Parameters the schema types as {@link ParameterType#PATH} are resolved against the task file's
 * folder. Errors are configuration errors that start with the task file.
 */
public final class TaskResolver {

    private TaskResolver() {
    }

    public static ResolvedTask resolve(TaskDefinition task, ExtensionCatalog catalog) {
        EvaluatorFactory factory;
        try {
            factory = catalog.require(EvaluatorFactory.class, task.evaluatorId());
        } catch (EvomergeException e) {
            throw EvomergeException.configuration(task.source() + ": 'evaluator': " + e.getMessage());
        }
        Map<String, Object> raw = new LinkedHashMap<>(task.parameters());
        for (ParameterSpec spec : factory.descriptor().parameters().parameters()) {
            Object value = raw.get(spec.name());
            if (spec.type() == ParameterType.PATH && value != null && !(value instanceof Map<?, ?>)
                    && !(value instanceof Iterable<?>)) {
                raw.put(spec.name(), PathInput.resolve(task.baseDirectory(), value.toString(),
                        task.source() + ": '" + spec.name() + "'").normalize().toString());
            }
        }
        Parameters parameters;
        try {
            parameters = ParameterValidator.validate(factory.descriptor(), raw, EnumSet.allOf(ParameterScope.class),
                    true);
        } catch (InvalidParameterException e) {
            throw new EvomergeException(e.category(), task.source() + ": " + e.getMessage(), e);
        }
        return new ResolvedTask(task, factory, parameters);
    }
}
