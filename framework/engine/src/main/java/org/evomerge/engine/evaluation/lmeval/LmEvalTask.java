package org.evomerge.engine.evaluation.lmeval;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One lm-evaluation-harness task, resolved: its name and the configuration lm-eval would build a
 * {@code ConfigurableTask} from (includes merged, a group's settings and an entry's overrides applied; structural keys
 * {@code tag}, {@code group} and {@code task_list} removed).
 *
 * @param name the task's name (a task defined inline in a group is {@code GROUP::NAME}, as lm-eval names it)
 * @param config the configuration, keys as lm-eval's {@code TaskConfig} has them
 * @param file the YAML file that defines it (for an inline task, the group's file)
 */
public record LmEvalTask(String name, Map<String, Object> config, Path file) {

    public LmEvalTask {
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
    }

    /** The {@code !function} values in the configuration, by where they are ({@code metric_list[0].metric}). */
    public Map<String, PythonFunction> pythonFunctions() {
        return LmEvalYaml.functions(config);
    }
}
