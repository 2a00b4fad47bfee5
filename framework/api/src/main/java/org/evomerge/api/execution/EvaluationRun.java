package org.evomerge.api.execution;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.evomerge.api.Experimental;

/**
 * What a worker in another JVM needs to score candidates of a run exactly as the coordinator would: the run file
 * (its text, and the path its relative paths resolve against), the input models with the content hash the
 * coordinator computed for each, where the plugins are, and the seed and thread count. Offered to executors as the
 * run-scoped service {@code context.service(EvaluationRun.class)}. Only JDK types, so it serialises anywhere.
 *
 * @param runFile     the run file's path on the coordinator; workers read the models at the same paths (a local
 *                    copy in the same place, or a shared file system)
 * @param runFileText the run file's text, parsed by the worker as if it were at {@code runFile}
 * @param modelHashes each input model path (as written in the run folder's run file, resolved) to the SHA-256 of its
 *                    files (names and contents); a worker refuses a model whose local copy hashes differently
 * @param pluginDirs  the coordinator's plugin folders; a worker uses its own installation's unless told otherwise
 * @param seed        the run seed
 * @param threads     compute threads per candidate on a worker
 */
@Experimental(since = "0.1.0",
        reason = "evaluation outside the coordinator (cluster executors); tasks and runs may gain fields")
public record EvaluationRun(Path runFile, String runFileText, Map<String, String> modelHashes, List<Path> pluginDirs,
                            long seed, int threads) {

    public EvaluationRun {
        Objects.requireNonNull(runFile, "runFile");
        Objects.requireNonNull(runFileText, "runFileText");
        modelHashes = Map.copyOf(modelHashes);
        pluginDirs = List.copyOf(pluginDirs);
    }
}
