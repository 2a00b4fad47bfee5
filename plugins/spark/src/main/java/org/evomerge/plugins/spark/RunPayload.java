package org.evomerge.plugins.spark;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.evomerge.api.execution.EvaluationRun;

/**
 * The run description ({@link EvaluationRun}) as shipped to executors, JDK types only; {@link #key()} names one run
 * (the same run file, models and seed), so an executor JVM sets a run up once however many tasks it gets.
 */
record RunPayload(String runFile, String runFileText, LinkedHashMap<String, String> modelHashes,
                  ArrayList<String> pluginDirs, long seed, int threads) implements Serializable {

    static RunPayload of(EvaluationRun run) {
        ArrayList<String> dirs = new ArrayList<>();
        run.pluginDirs().forEach(p -> dirs.add(p.toString()));
        return new RunPayload(run.runFile().toString(), run.runFileText(), new LinkedHashMap<>(run.modelHashes()),
                dirs, run.seed(), run.threads());
    }

    EvaluationRun run() {
        return new EvaluationRun(Path.of(runFile), runFileText, modelHashes,
                pluginDirs.stream().map(Path::of).toList(), seed, threads);
    }

    String key() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((runFile + "\n" + runFileText + "\n" + seed + "\n" + threads + "\n").getBytes(
                    StandardCharsets.UTF_8));
            for (Map.Entry<String, String> e : modelHashes.entrySet()) {
                digest.update((e.getKey() + "=" + e.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
