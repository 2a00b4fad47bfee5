package org.evomerge.plugins.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.Model;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;

/**
 * Runs the user's own scoring script on a model folder: {@code /bin/sh -c COMMAND} with {@code {model}} replaced by
 * the quoted model path (also in {@code EVOMERGE_MODEL}) and {@code {output}} by a fresh file path (also in
 * {@code EVOMERGE_OUTPUT}). The score is a JSON object read from that file when the script wrote it, else from the
 * last line of standard output that is a JSON object; its numeric fields become the metrics and
 * {@code score_key} the fitness. A script that exits non-zero, times out or prints no score fails with its exit code
 * and the end of its standard error; failures and timeouts are retried {@code retries} times.
 */
@Extension
public class CommandEvaluatorFactory implements EvaluatorFactory {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("command", "1.0.0",
            ExtensionKind.EVALUATOR, "Runs your script on a model folder and reads a JSON score from it.",
            ParameterSchema.of(
                    TaskKind.string("command", null, "shell command; {model} and {output} are replaced").asRequired(),
                    TaskKind.string("score_key", "score", "the JSON field used as fitness"),
                    ParameterSpec.number("timeout_seconds", 3600, 0.001, null, "per run"),
                    ParameterSpec.integer("retries", 0, 0L, 20L, "reruns after a failure or timeout"),
                    new ParameterSpec("working_dir", ParameterType.PATH, null, null, null, List.of(), false,
                            ParameterScope.GLOBAL, "the script's working folder (default: the current one)")),
            Set.of(Capability.EXTERNAL));

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public Evaluator create(Parameters parameters, RunContext context) {
        String command = parameters.string("command");
        String scoreKey = parameters.string("score_key");
        long timeoutMillis = Math.round(parameters.number("timeout_seconds") * 1000);
        int retries = (int) parameters.integer("retries");
        Path workingDir = parameters.has("working_dir") ? Path.of(parameters.string("working_dir")) : null;
        if (workingDir != null && !Files.isDirectory(workingDir)) {
            throw EvomergeException.configuration("command: parameter 'working_dir' is not a folder: " + workingDir);
        }
        return new Evaluator() {
            @Override
            public EvaluationResult evaluate(Model model) {
                Path folder = model.location().orElseThrow(() -> EvomergeException.configuration(
                        "command: the model is held in memory; the command evaluator needs a model folder"));
                String problem = "";
                for (int attempt = 0; attempt <= retries; attempt++) {
                    try {
                        return runOnce(command, folder.toAbsolutePath(), scoreKey, timeoutMillis, workingDir, context);
                    } catch (EvomergeException e) {
                        problem = e.getMessage();
                    }
                }
                throw EvomergeException.input(problem + (retries > 0 ? " (after " + (retries + 1) + " attempts)" : ""),
                        null);
            }
        };
    }

    private static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    static EvaluationResult runOnce(String command, Path model, String scoreKey, long timeoutMillis, Path workingDir,
            RunContext context) {
        Path output = context.scratch().newFile("command-score", ".json");
        try {
            // The script's own writing is the signal that it chose the file over standard output.
            Files.deleteIfExists(output);
        } catch (IOException e) {
            throw new EvomergeException(ErrorCategory.INTERNAL, "command: cannot prepare " + output + ": "
                    + e.getMessage(), e);
        }
        String expanded = command.replace("{model}", quote(model.toString())).replace("{output}",
                quote(output.toString()));
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", expanded);
        builder.environment().put("EVOMERGE_MODEL", model.toString());
        builder.environment().put("EVOMERGE_OUTPUT", output.toString());
        if (workingDir != null) {
            builder.directory(workingDir.toFile());
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw EvomergeException.input("command: cannot start /bin/sh: " + e.getMessage(), e);
        }
        try {
            process.getOutputStream().close();
            CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> drain(process.getInputStream()));
            CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()));
            if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw EvomergeException.input("command: '" + command + "' did not finish within "
                        + timeoutMillis / 1000.0 + " s", null);
            }
            String out = stdout.join();
            String err = stderr.join();
            if (process.exitValue() != 0) {
                throw EvomergeException.input("command: '" + command + "' exited with " + process.exitValue()
                        + tail(err), null);
            }
            JsonNode score = Files.isRegularFile(output) ? parse(Files.readString(output), output.toString())
                    : lastJsonLine(out);
            if (score == null) {
                throw EvomergeException.input("command: '" + command + "' printed no JSON object on standard output"
                        + " and wrote none to {output}" + tail(err), null);
            }
            Map<String, Double> metrics = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = score.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (field.getValue().isNumber()) {
                    metrics.put(field.getKey(), field.getValue().asDouble());
                }
            }
            Double value = metrics.get(scoreKey);
            if (value == null || !Double.isFinite(value)) {
                throw EvomergeException.input("command: the JSON score has no finite number '" + scoreKey + "': "
                        + score, null);
            }
            return new EvaluationResult(metrics, value);
        } catch (IOException e) {
            throw EvomergeException.input("command: cannot read its output: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new EvomergeException(ErrorCategory.INPUT, "command: interrupted", e);
        } finally {
            try {
                Files.deleteIfExists(output);
            } catch (IOException e) {
                // the scratch space is removed at the end of the run anyway
            }
        }
    }

    private static String drain(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static JsonNode parse(String text, String where) {
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) {
                throw EvomergeException.input("command: " + where + " does not hold a JSON object", null);
            }
            return node;
        } catch (IOException e) {
            throw EvomergeException.input("command: " + where + " is not JSON", e);
        }
    }

    private static JsonNode lastJsonLine(String stdout) {
        List<String> lines = new ArrayList<>(stdout.lines().toList());
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i).strip();
            if (line.startsWith("{")) {
                try {
                    JsonNode node = JSON.readTree(line);
                    if (node != null && node.isObject()) {
                        return node;
                    }
                } catch (IOException e) {
                    // not the score line; keep looking upwards
                }
            }
        }
        return null;
    }

    /** The last lines of standard error, on one line, for the error message. */
    private static String tail(String stderr) {
        String oneLine = stderr.strip().replaceAll("\\s*\\n\\s*", " | ");
        if (oneLine.isEmpty()) {
            return "";
        }
        return "; stderr: " + (oneLine.length() > 300 ? "..." + oneLine.substring(oneLine.length() - 300) : oneLine);
    }
}
