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
import org.evomerge.engine.evaluation.TaskFileReader;
import org.evomerge.engine.evaluation.TaskResolver;
import org.evomerge.engine.model.ModelFormats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code evomerge eval --model PATH --task TASK.yml [--task ...] [--json]}: scores one model on tasks. */
@Command(name = "eval", mixinStandardHelpOptions = true)
public final class EvalCommand implements Runnable {

    private static final Pattern EVALUATOR_ID = Pattern.compile("[a-z][a-z0-9]*([_-][a-z0-9]+)*");

    @Option(names = "--model", required = true, paramLabel = "PATH")
    Path model;

    @Option(names = "--task", required = true, paramLabel = "TASK")
    List<String> tasks = new ArrayList<>();

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
        List<TaskDefinition> definitions = definitions(cwd);
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
        Path target = session.environment().resolve(model);
        if (!Files.exists(target)) {
            throw EvomergeException.input(target + ": no such model folder or file", null);
        }
        Optional<EvaluationCache> cache = noCache ? Optional.empty() : Optional.of(new EvaluationCache(
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

    private List<TaskDefinition> definitions(Path cwd) {
        List<TaskDefinition> definitions = new ArrayList<>();
        Set<String> names = new HashSet<>();
        boolean shortcutUsed = false;
        for (String task : tasks) {
            Path file = cwd.resolve(task);
            TaskDefinition definition;
            if (Files.isRegularFile(file)) {
                definition = TaskFileReader.read(file);
            } else if (data != null && EVALUATOR_ID.matcher(task).matches()) {
                Map<String, Object> raw = new LinkedHashMap<>(parameters);
                raw.put("data", data.toString());
                definition = new TaskDefinition(task, task, 1, false, raw, "--task " + task, cwd);
                shortcutUsed = true;
            } else {
                throw EvomergeException.configuration("--task " + task + ": no such task file"
                        + (EVALUATOR_ID.matcher(task).matches() ? " (to run evaluator '" + task + "' on a dataset, add"
                                + " --data F.jsonl)" : ""));
            }
            if (!names.add(definition.name())) {
                throw EvomergeException.configuration("--task " + task + ": a task named '" + definition.name()
                        + "' is already given; set 'name:' in the task files to tell them apart");
            }
            definitions.add(definition);
        }
        if (!shortcutUsed && (data != null || !parameters.isEmpty())) {
            throw EvomergeException.configuration("--data and --param apply to a --task given as an evaluator id;"
                    + " task files name their own data and parameters");
        }
        return definitions;
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
