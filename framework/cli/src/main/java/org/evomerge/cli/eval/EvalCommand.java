package org.evomerge.cli.eval;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.inference.InferenceEngine;
import org.evomerge.api.model.Model;
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.output.TextTable;
import org.evomerge.engine.evaluation.EvaluationCache;
import org.evomerge.engine.evaluation.ModelEvaluation;
import org.evomerge.engine.evaluation.ResolvedTask;
import org.evomerge.engine.evaluation.TaskDefinition;
import org.evomerge.engine.evaluation.TaskReferences;
import org.evomerge.engine.evaluation.TaskResolver;
import org.evomerge.engine.evaluation.lmeval.LmEvalGroup;
import org.evomerge.engine.evaluation.lmeval.LmEvalTasks;
import org.evomerge.engine.lora.LoraReference;
import org.evomerge.engine.model.ModelFormats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code evomerge eval --model PATH --task TASK [--task ...] [--task-search-path DIR ...] [--log-samples DIR]
 * [--json]}: scores one model on tasks. A task is an evomerge task file, an lm-evaluation-harness task file, or the
 * name of an lm-eval task, group or tag in the task search path (the {@code --task-search-path} folders, then the
 * configuration's {@code evaluation.task-search-path}).
 */
@Command(name = "eval", mixinStandardHelpOptions = true)
public final class EvalCommand implements Runnable {

    private static final Pattern EVALUATOR_ID = Pattern.compile("[a-z][a-z0-9]*([_-][a-z0-9]+)*");

    @Option(names = "--model", required = true, paramLabel = "PATH")
    Path model;

    @Option(names = "--task", required = true, paramLabel = "TASK")
    List<String> tasks = new ArrayList<>();

    @Option(names = "--task-search-path", paramLabel = "DIR")
    List<Path> taskSearchPath = new ArrayList<>();

    @Option(names = "--log-samples", paramLabel = "DIR")
    Path logSamples;

    @Option(names = "--data", paramLabel = "F.jsonl")
    Path data;

    @Option(names = "--param", paramLabel = "KEY=VALUE")
    Map<String, String> parameters = new LinkedHashMap<>();

    @Option(names = "--no-cache")
    boolean noCache;

    @Mixin
    CommandOutput output;

    @Override
    public void run() {
        CommandSession session = output.session();
        Path cwd = session.environment().workingDirectory();
        List<String> notices = new ArrayList<>();
        List<TaskDefinition> definitions = definitions(cwd, lmEvalTasks(session), notices);
        notices.forEach(n -> output.err().println("evomerge: notice: " + n));
        List<ResolvedTask> resolved = new ArrayList<>();
        for (TaskDefinition definition : definitions) {
            resolved.add(TaskResolver.resolve(definition, session.plugins().catalog()));
        }
        RunContext context = session.runContext();
        boolean needsEngine = resolved.stream().anyMatch(t -> !t.factory().descriptor().has(Capability.EXTERNAL));
        if (needsEngine && context.service(InferenceEngine.class).isEmpty()) {
            throw EvomergeException.configuration("eval: this evomerge has no inference engine to run models with;"
                    + " only external evaluators (openai-http, command) can be used");
        }
        Path target = session.environment().resolveModel(model);
        if (!Files.exists(target) && LoraReference.of(target).isEmpty()) {
            throw EvomergeException.input(target + ": no such model folder or file", null);
        }
        // A cached result has no samples to log: --log-samples runs the tasks.
        Optional<EvaluationCache> cache = noCache || logSamples != null ? Optional.empty() : Optional.of(new EvaluationCache(
                EvaluationCache.defaultFolder(session.environment().environment(), session.environment().userHome())));
        ModelFormats.Installed format = session.modelFormats().forPath(target);
        ModelEvaluation.Report report;
        try (Model opened = format.format().open(target)) {
            if (needsEngine) { // external evaluators (a server, a user's command) read the folder themselves
                ModelFormats.requireConfig(opened);
            }
            report = ModelEvaluation.run(opened, resolved, context, cache);
        }
        report.warnings().forEach(w -> output.err().println("evomerge: warning: " + w));
        print(target, report);
    }

    private LmEvalTasks lmEvalTasks(CommandSession session) {
        List<Path> searchPath = new ArrayList<>();
        for (Path folder : taskSearchPath) {
            Path resolved = session.environment().resolve(folder).normalize();
            if (!Files.isDirectory(resolved)) {
                throw EvomergeException.configuration("--task-search-path " + folder + ": no such folder ("
                        + resolved + ")");
            }
            searchPath.add(resolved);
        }
        searchPath.addAll(session.settings().evaluation().taskSearchPath());
        return new LmEvalTasks(searchPath);
    }

    private List<TaskDefinition> definitions(Path cwd, LmEvalTasks lmEval, List<String> notices) {
        List<TaskDefinition> definitions = new ArrayList<>();
        Set<String> names = new HashSet<>();
        boolean shortcutUsed = false;
        for (String task : tasks) {
            List<TaskDefinition> named;
            boolean lmEvalName = false;
            if (data != null && EVALUATOR_ID.matcher(task).matches() && !Files.isRegularFile(cwd.resolve(task))) {
                Map<String, Object> raw = new LinkedHashMap<>(parameters);
                raw.put("data", data.toString());
                named = List.of(new TaskDefinition(task, task, 1, false, raw, "--task " + task, cwd));
                shortcutUsed = true;
            } else {
                TaskReferences.Reference reference = TaskReferences.reference(task, cwd, lmEval).orElseThrow(() ->
                        EvomergeException.configuration("--task " + task + ": no such task file, nor an lm-eval task"
                                + " name: " + lmEval.unknownName(task) + (EVALUATOR_ID.matcher(task).matches()
                                ? " (to run evaluator '" + task + "' on a dataset, add --data F.jsonl)" : "")));
                named = reference.tasks();
                for (LmEvalGroup group : reference.groups()) {
                    if (!group.aggregateMetrics().isEmpty()) {
                        // Said once per group, so that nobody reads a member's score as the group's.
                        notices.add("lm-eval group '" + group.name() + "': its aggregate_metric_list is not computed;"
                                + " its tasks are reported one by one");
                    }
                }
            }
            for (TaskDefinition definition : named) {
                if (!names.add(definition.name())) {
                    if (definition.evaluatorId().equals(TaskReferences.LM_EVAL)) {
                        throw EvomergeException.configuration("--task " + task + ": lm-eval task '"
                                + definition.name() + "' is already given by an earlier --task");
                    }
                    throw EvomergeException.configuration("--task " + task + ": a task named '" + definition.name()
                            + "' is already given; set 'name:' in the task files to tell them apart");
                }
                definitions.add(withCommandLineParameters(definition, cwd));
            }
        }
        boolean lmEvalUsed = definitions.stream().anyMatch(d -> d.evaluatorId().equals(TaskReferences.LM_EVAL));
        if (!shortcutUsed && (data != null || (!parameters.isEmpty() && !lmEvalUsed))) {
            throw EvomergeException.configuration("--data and --param apply to a --task given as an evaluator id"
                    + " (--param also to lm-eval tasks); task files name their own data and parameters");
        }
        if (logSamples != null && !lmEvalUsed) {
            throw EvomergeException.configuration("--log-samples applies to lm-evaluation-harness tasks, and no --task"
                    + " names one");
        }
        return definitions;
    }

    /**
     * An lm-eval task with the command line's evaluator parameters ({@code --param apply_chat_template=true}, as
     * lm-eval's own options) and {@code --log-samples}: its samples go to that folder, as lm-eval's --log_samples.
     */
    private TaskDefinition withCommandLineParameters(TaskDefinition definition, Path cwd) {
        if (!definition.evaluatorId().equals(TaskReferences.LM_EVAL) || (logSamples == null && parameters.isEmpty())) {
            return definition;
        }
        Map<String, Object> raw = new LinkedHashMap<>(definition.parameters());
        for (Map.Entry<String, String> parameter : parameters.entrySet()) {
            if (raw.containsKey(parameter.getKey())) {
                throw EvomergeException.configuration("--param " + parameter.getKey() + ": lm-eval task '"
                        + definition.name() + "' sets it from its task file");
            }
            raw.put(parameter.getKey(), parameter.getValue());
        }
        if (logSamples != null) {
            raw.put("log_samples", cwd.resolve(logSamples).normalize().toString());
        }
        return new TaskDefinition(definition.name(), definition.evaluatorId(), definition.weight(),
                definition.weightGiven(), raw, definition.source(), definition.baseDirectory());
    }

    private void print(Path target, ModelEvaluation.Report report) {
        output.print(() -> {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("model", target.toString());
            Map<String, Object> taskResults = new LinkedHashMap<>();
            report.tasks().forEach((name, result) -> taskResults.put(name, metrics(result)));
            doc.put("tasks", taskResults);
            doc.put("fitness", report.fitness());
            return doc;
        }, out -> printText(out, report));
    }

    private static void printText(PrintWriter out, ModelEvaluation.Report report) {
        TextTable table = new TextTable("TASK", "METRIC", "VALUE");
        report.tasks().forEach((name, result) -> metrics(result).forEach((metric, value) ->
                table.row(name + (report.cached().contains(name) ? " (cached)" : ""), metric, format(value))));
        table.print(out);
        out.println();
        out.println("fitness " + format(report.fitness()));
    }

    private static Map<String, Double> metrics(EvaluationResult result) {
        Map<String, Double> metrics = new LinkedHashMap<>(result.metrics());
        metrics.putIfAbsent("score", result.score());
        return metrics;
    }

    private static String format(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
                : String.format(Locale.ROOT, "%.6g", value);
    }
}
