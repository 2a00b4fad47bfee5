package org.evomerge.engine.evaluation;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;

/**
 * Evaluation results on disk, keyed by the evaluated weights ({@link WeightsHash}) and the task: evaluator id and
 * version, every validated parameter value, and the SHA-256 of each file a path parameter names and of each file the
 * evaluator says it reads ({@code EvaluatorFactory.inputFiles}), so editing a dataset invalidates its results. One small properties file per key, written to a temporary name and renamed, so
 * concurrent runs never read a half-written entry. Default folder: {@code $XDG_CACHE_HOME/evomerge/evaluations},
 * else {@code ~/.cache/evomerge/evaluations}.
 */
public final class EvaluationCache {

    private final Path folder;

    public EvaluationCache(Path folder) {
        this.folder = folder;
    }

    public static Path defaultFolder(Map<String, String> environment, Path userHome) {
        String xdg = environment.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : userHome.resolve(".cache");
        return base.resolve("evomerge").resolve("evaluations");
    }

    public Path folder() {
        return folder;
    }

    /** The cache key of evaluating weights {@code weightsHash} on {@code task}. */
    public static String key(String weightsHash, ResolvedTask task) {
        ExtensionDescriptor descriptor = task.factory().descriptor();
        MessageDigest digest = WeightsHash.sha256();
        StringBuilder text = new StringBuilder();
        text.append("weights=").append(weightsHash).append('\n');
        text.append("evaluator=").append(descriptor.id()).append('@').append(descriptor.version()).append('\n');
        Map<String, Object> sorted = new TreeMap<>(task.parameters().values());
        sorted.forEach((name, value) -> {
            text.append("parameter.").append(name).append('=').append(value).append('\n');
            Optional<ParameterSpec> spec = descriptor.parameters().find(name);
            if (spec.isPresent() && spec.get().type() == ParameterType.PATH) {
                text.append("file.").append(name).append('=').append(fileHash(Path.of(value.toString()))).append('\n');
            }
        });
        List<Path> inputs = task.factory().inputFiles(task.parameters());
        for (int i = 0; i < inputs.size(); i++) {
            text.append("input.").append(i).append('=').append(inputs.get(i)).append(' ')
                    .append(fileHash(inputs.get(i))).append('\n');
        }
        return HexFormat.of().formatHex(digest.digest(text.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static String fileHash(Path file) {
        if (!Files.isRegularFile(file)) {
            return "absent";
        }
        MessageDigest digest = WeightsHash.sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            return "unreadable";
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The stored result, or empty when there is none (or it cannot be read: a cache miss, never an error). */
    public Optional<EvaluationResult> get(String key) {
        Path file = folder.resolve(key + ".properties");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
            double score = Double.parseDouble(properties.getProperty("score"));
            int count = Integer.parseInt(properties.getProperty("metrics"));
            Map<String, Double> metrics = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                metrics.put(properties.getProperty("metric." + i + ".name"),
                        Double.parseDouble(properties.getProperty("metric." + i + ".value")));
            }
            return Optional.of(new EvaluationResult(metrics, score));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Stores {@code result}; a failure to write only costs a later re-evaluation. */
    public void put(String key, EvaluationResult result) {
        Properties properties = new Properties();
        properties.setProperty("score", Double.toString(result.score()));
        properties.setProperty("metrics", Integer.toString(result.metrics().size()));
        int i = 0;
        for (Map.Entry<String, Double> metric : result.metrics().entrySet()) {
            properties.setProperty("metric." + i + ".name", metric.getKey());
            properties.setProperty("metric." + i + ".value", Double.toString(metric.getValue()));
            i++;
        }
        try {
            Files.createDirectories(folder);
            Path temporary = Files.createTempFile(folder, key, ".tmp");
            try (OutputStream out = Files.newOutputStream(temporary)) {
                properties.store(out, "evomerge evaluation result");
            }
            try {
                Files.move(temporary, folder.resolve(key + ".properties"), StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, folder.resolve(key + ".properties"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.getLogger("org.evomerge.evaluation").log(System.Logger.Level.DEBUG,
                    "cannot store an evaluation result in " + folder + ": " + e.getMessage());
        }
    }
}
