package org.evomerge.plugins.spark;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.parameter.Parameters;

/**
 * {@code bin/evomerge-cluster master|worker ...}: a standalone Spark Master or Worker with authentication and
 * encryption on. The secret is read from {@value ClusterSecret#ENV} or {@code --secret-file} and handed to Spark as a
 * system property of this JVM (Spark's configuration reads {@code spark.*} properties), so it never appears on a
 * command line; the Worker passes it to its executors through their environment, as Spark does. A Worker first
 * authenticates against its master, so a wrong secret stops it with one line instead of endless retries.
 *
 * <p>Runs on the cluster bundle's {@code spark/jars} class path plus the API jar (for its exception type), not on the
 * engine's: a Master or Worker needs nothing else.
 */
public final class ClusterDaemon {

    private ClusterDaemon() {
    }

    public static void main(String[] args) {
        try {
            System.exit(run(List.of(args), System.getenv()));
        } catch (EvomergeException e) {
            System.err.println("evomerge-cluster: error: " + e.getMessage());
            System.exit(2);
        }
    }

    static int run(List<String> args, Map<String, String> env) {
        Optional<Path> secretFile = Optional.empty();
        boolean encryption = true;
        int i = 0;
        while (i < args.size() && args.get(i).startsWith("--")) {
            switch (args.get(i)) {
                case "--secret-file" -> {
                    if (i + 1 >= args.size()) {
                        throw EvomergeException.configuration("--secret-file needs a FILE");
                    }
                    secretFile = Optional.of(Path.of(args.get(++i)));
                }
                case "--no-encryption" -> encryption = false;
                default -> throw EvomergeException.configuration("unknown option '" + args.get(i)
                        + "' (before the role: --secret-file FILE, --no-encryption)");
            }
            i++;
        }
        if (i >= args.size() || !(args.get(i).equals("master") || args.get(i).equals("worker"))) {
            throw EvomergeException.configuration("usage: evomerge-cluster [--secret-file FILE] [--no-encryption]"
                    + " master|worker [Spark options]");
        }
        String role = args.get(i);
        List<String> rest = new ArrayList<>(args.subList(i + 1, args.size()));
        String secret = ClusterSecret.read(secretFile, env);
        System.setProperty("spark.authenticate", "true");
        System.setProperty("spark.authenticate.secret", secret);
        System.setProperty("spark.network.crypto.enabled", Boolean.toString(encryption));
        System.setProperty("spark.io.encryption.enabled", Boolean.toString(encryption));
        // The REST submission server takes applications without Spark's authentication: never on.
        System.setProperty("spark.master.rest.enabled", "false");
        if (role.equals("worker")) {
            String master = rest.stream().filter(a -> a.startsWith("spark://")).findFirst().orElseThrow(() ->
                    EvomergeException.configuration("worker: give the master as spark://HOST:PORT"));
            SparkSettings settings = SparkSettings.of(new Parameters(Map.of("cluster", master,
                            "encryption", encryption, "task_max_failures", 1L)), Map.of(ClusterSecret.ENV, secret),
                    Optional.empty(), Optional.empty(), "evomerge worker check");
            ClusterPreflight.check(settings, ClusterPreflight.Client.WORKER);
        }
        String main = role.equals("master") ? "org.apache.spark.deploy.master.Master"
                : "org.apache.spark.deploy.worker.Worker";
        try {
            Class.forName(main).getMethod("main", String[].class).invoke(null, (Object) rest.toArray(String[]::new));
        } catch (InvocationTargetException e) {
            throw EvomergeException.configuration(role + " failed: " + SparkEvaluationExecutor.rootMessage(e));
        } catch (ReflectiveOperationException e) {
            throw EvomergeException.configuration("no Spark " + role + " on the class path (" + e + "); run"
                    + " bin/evomerge-cluster from the cluster bundle");
        }
        // Spark's main methods return once the daemon's RPC environment ends.
        return 0;
    }

}
