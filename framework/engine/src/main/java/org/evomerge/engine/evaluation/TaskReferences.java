package org.evomerge.engine.evaluation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.evaluation.lmeval.LmEvalGroup;
import org.evomerge.engine.evaluation.lmeval.LmEvalTask;
import org.evomerge.engine.evaluation.lmeval.LmEvalTasks;
import org.evomerge.engine.evaluation.lmeval.PythonFunction;
import org.evomerge.engine.input.YamlInput;

/**
 * What a task reference ({@code eval --task X}, a run file's {@code task:} entry) means: an evomerge task file
 * ({@link TaskFileReader}), an lm-evaluation-harness task file, or the name of an lm-eval task, group or tag in the
 * task search path. An lm-eval task becomes a task of the {@value #LM_EVAL} evaluator with the parameters
 * {@value #TASK} (its name), {@value #CONFIG} (its resolved configuration as JSON: includes merged, a group's settings
 * applied) and {@value #TASK_FILE} (the YAML file it comes from, which relative dataset paths are read against).
 */
public final class TaskReferences {

    /** The evaluator that runs lm-eval tasks (plugin standard-evaluation). */
    public static final String LM_EVAL = "lm-eval";
    public static final String TASK = "task";
    public static final String CONFIG = "config";
    public static final String TASK_FILE = "task_file";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TaskReferences() {
    }

    /**
     * The tasks {@code reference} names.
     *
     * @param workingDirectory what a relative file path is resolved against
     * @return empty when it is neither an existing file nor a name in the search path
     * @throws EvomergeException (configuration) naming the file and what is wrong with it
     */
    public static Optional<List<TaskDefinition>> resolve(String reference, Path workingDirectory, LmEvalTasks lmEval) {
        return reference(reference, workingDirectory, lmEval).map(Reference::tasks);
    }

    /**
     * What a reference names: its tasks, and the lm-eval groups met on the way (outermost first; empty for an
     * evomerge task file).
     */
    public record Reference(List<TaskDefinition> tasks, List<LmEvalGroup> groups) {
        public Reference {
            tasks = List.copyOf(tasks);
            groups = List.copyOf(groups);
        }
    }

    /** As {@link #resolve}, with the groups. */
    public static Optional<Reference> reference(String reference, Path workingDirectory, LmEvalTasks lmEval) {
        Path file = workingDirectory.resolve(reference);
        if (Files.isRegularFile(file)) {
            if (isLmEvalFile(file)) {
                LmEvalTasks.Resolution resolution = lmEval.resolveFile(file);
                return Optional.of(new Reference(definitions(resolution.tasks()), resolution.groups()));
            }
            return Optional.of(new Reference(List.of(TaskFileReader.read(file)), List.of()));
        }
        return lmEval.resolveName(reference).map(resolution -> new Reference(definitions(resolution.tasks()),
                resolution.groups()));
    }

    /** Whether {@code file} is a YAML file in lm-evaluation-harness's format ({@link LmEvalTasks#isLmEvalConfig}). */
    public static boolean isLmEvalFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return false;
        }
        Object root;
        try {
            // lm-eval's !function tags are not YAML the plain reader knows; they cannot appear in evomerge's files.
            root = YamlInput.load(text.replace("!function", "!!str"), file);
        } catch (EvomergeException e) {
            return false;
        }
        return root instanceof Map<?, ?> map && LmEvalTasks.isLmEvalConfig(map);
    }

    private static List<TaskDefinition> definitions(List<LmEvalTask> tasks) {
        List<TaskDefinition> definitions = new ArrayList<>();
        for (LmEvalTask task : tasks) {
            definitions.add(definition(task));
        }
        return definitions;
    }

    /**
     * The {@value #LM_EVAL} task for an lm-eval task.
     *
     * @throws EvomergeException (configuration) when its configuration names Python code ({@code !function})
     */
    public static TaskDefinition definition(LmEvalTask task) {
        Map<String, PythonFunction> functions = task.pythonFunctions();
        if (!functions.isEmpty()) {
            Map.Entry<String, PythonFunction> first = functions.entrySet().iterator().next();
            PythonFunction function = first.getValue();
            throw EvomergeException.configuration(function.file() + ":" + function.line() + ": task '" + task.name()
                    + "': '" + first.getKey() + "' is !function " + function.reference() + ", Python code ("
                    + function.module() + ") that evomerge cannot run; write it as a Jinja template or a field name,"
                    + " or prepare the dataset with it beforehand");
        }
        String config;
        try {
            config = JSON.writeValueAsString(task.config());
        } catch (JsonProcessingException e) {
            throw EvomergeException.configuration(task.file() + ": task '" + task.name() + "': its configuration"
                    + " cannot be written as JSON (" + e.getOriginalMessage() + ")");
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put(TASK, task.name());
        parameters.put(CONFIG, config);
        parameters.put(TASK_FILE, task.file().toString());
        return new TaskDefinition(task.name(), LM_EVAL, 1, false, parameters, task.file().toString(),
                task.file().getParent());
    }
}
