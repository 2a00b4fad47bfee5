package org.evomerge.engine.config;

import java.nio.file.Path;
import java.util.List;

/**
 * @param taskSearchPath folders of lm-evaluation-harness task files whose task, group and tag names {@code --task}
 *     and run files may use (absolute), searched after the command line's {@code --task-search-path} folders
 */
public record EvaluationSettings(List<Path> taskSearchPath) {

    public EvaluationSettings {
        taskSearchPath = List.copyOf(taskSearchPath);
    }
}
