package org.evomerge.plugins.evaluation.lmeval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.EvomergeException;

/**
 * Each document's prompt, target, responses and metrics, as lm-evaluation-harness's {@code --log_samples} writes them
 * ({@code samples_TASK_DATETIME.jsonl}, one JSON object a line): {@code doc_id}, {@code doc}, {@code target},
 * {@code arguments} ({@code gen_args_I.arg_J}), {@code resps} and {@code filtered_resps} as Python prints them (a
 * log-likelihood response is {@code "(-4.25, False)"}), {@code filter}, {@code metrics} (the names), the SHA-256
 * hashes {@code doc_hash} (of {@code json.dumps(doc, indent=2)}), {@code prompt_hash} and {@code target_hash}, then
 * each metric's value for the document. One line per document and filter.
 */
final class SampleLog {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter DATE_ID = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss.SSSSSS");

    private SampleLog() {
    }

    /**
     * Writes {@code outcomes} into {@code folder} (created if needed).
     *
     * @return the file written
     * @throws EvomergeException (input) when the folder cannot be written
     */
    static Path write(Path folder, String task, List<LmEvalRun.DocOutcome> outcomes, LmEvalTaskConfig config,
                      PythonFormat python) {
        Path file = folder.resolve("samples_" + task + "_" + LocalDateTime.now().format(DATE_ID) + ".jsonl");
        try {
            Files.createDirectories(folder);
            try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                for (LmEvalTaskConfig.FilterSpec filter : config.filters) {
                    for (LmEvalRun.DocOutcome outcome : outcomes) {
                        out.write(JSON.writeValueAsString(line(outcome, filter.name(), python)));
                        out.write('\n');
                    }
                }
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw EvomergeException.input(file + ": cannot write the logged samples (" + e.getMessage() + ")", e);
        }
        return file;
    }

    private static Map<String, Object> line(LmEvalRun.DocOutcome outcome, String filter, PythonFormat python) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("doc_id", outcome.doc().id());
        line.put("doc", outcome.doc().doc());
        String target = python.str(outcome.target());
        line.put("target", target);
        Map<String, Object> arguments = new LinkedHashMap<>();
        for (int i = 0; i < outcome.arguments().size(); i++) {
            Map<String, Object> args = new LinkedHashMap<>();
            List<Object> request = outcome.arguments().get(i);
            for (int j = 0; j < request.size(); j++) {
                args.put("arg_" + j, request.get(j));
            }
            arguments.put("gen_args_" + i, args);
        }
        line.put("arguments", arguments);
        line.put("resps", outcome.responses());
        List<String> filtered = new ArrayList<>();
        outcome.filtered().get(filter).forEach(r -> filtered.add(r instanceof String text ? text : python.str(r)));
        line.put("filtered_resps", filtered);
        line.put("filter", filter);
        Map<String, Object> metrics = outcome.loggedMetrics().get(filter);
        line.put("metrics", new ArrayList<>(metrics.keySet()));
        line.put("doc_hash", sha256(python.jsonIndented(outcome.doc().doc())));
        line.put("prompt_hash", sha256(String.valueOf(outcome.arguments().getFirst().getFirst())));
        line.put("target_hash", sha256(target));
        line.putAll(metrics);
        return line;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
