package org.evomerge.plugins.spark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;

/**
 * The shared secret of a standalone cluster: from a file ({@code secret_file}, {@code --cluster-secret-file}) or the
 * {@value #ENV} environment variable, never from a command line (where {@code ps} shows it to every user).
 */
final class ClusterSecret {

    /** The environment variable the secret is read from when no file is given. */
    static final String ENV = "EVOMERGE_SPARK_SECRET";

    private ClusterSecret() {
    }

    /**
     * @param file the secret file, if given (its first line, trimmed)
     * @param env  the process environment
     * @throws EvomergeException (configuration) when there is no secret, or it is empty or unreadable
     */
    static String read(Optional<Path> file, Map<String, String> env) {
        if (file.isPresent()) {
            Path p = file.get();
            String text;
            try {
                text = Files.readString(p, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw EvomergeException.configuration(p + ": cannot read the cluster secret file: " + e.getMessage());
            }
            String secret = text.lines().findFirst().orElse("").trim();
            if (secret.isEmpty()) {
                throw EvomergeException.configuration(p + ": the cluster secret file is empty");
            }
            return secret;
        }
        String secret = env.getOrDefault(ENV, "").trim();
        if (secret.isEmpty()) {
            throw EvomergeException.configuration("a Spark cluster run needs the cluster's shared secret: set " + ENV
                    + " or give --cluster-secret-file FILE (execution.parameters.secret_file)");
        }
        return secret;
    }
}
