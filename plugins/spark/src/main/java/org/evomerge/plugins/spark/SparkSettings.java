package org.evomerge.plugins.spark;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.parameter.Parameters;

/**
 * The Spark configuration of a run, as plain keys and values (so it is checked without starting Spark).
 *
 * <p>Cluster runs ({@code spark://HOST:PORT}) are authenticated and encrypted unless told otherwise:
 * {@code spark.authenticate} with the shared secret, AES-based RPC encryption ({@code spark.network.crypto.enabled})
 * and encrypted local spill files ({@code spark.io.encryption.enabled}). Executors get the plugin's jar through
 * {@code spark.jars} and the evomerge installation ({@code HOME/spark/jars}, then {@code HOME/lib}) on their class
 * path. Local runs ({@code local[N]}) stay on the loopback interface and need no secret.
 */
record SparkSettings(String master, boolean local, Map<String, String> conf) {

    static final Pattern LOCAL = Pattern.compile("local(\\[(\\*|[1-9][0-9]*)(,[1-9][0-9]*)?])?");
    static final Pattern STANDALONE = Pattern.compile("spark://([^:/\\s]+):([0-9]{1,5})");

    /** Keys a properties file may not set: they are the run's security and wiring. */
    private static final List<String> RESERVED = List.of("spark.master", "spark.authenticate",
            "spark.authenticate.secret", "spark.jars");

    /**
     * @param parameters the executor's validated parameters
     * @param env        the process environment (the secret)
     * @param pluginJar  this plugin's jar, shipped to executors
     * @param home       the evomerge installation on the workers, if known
     */
    static SparkSettings of(Parameters parameters, Map<String, String> env, Optional<Path> pluginJar,
                            Optional<Path> home, String appName) {
        String master = parameters.string("cluster").trim();
        boolean local = LOCAL.matcher(master).matches();
        var standalone = STANDALONE.matcher(master);
        if (!local && !standalone.matches()) {
            throw EvomergeException.configuration("execution.parameters.cluster: '" + master + "' is neither local[N]"
                    + " nor spark://HOST:PORT");
        }
        Map<String, String> conf = new LinkedHashMap<>();
        parameters.get("properties_file").map(Object::toString).map(Path::of).ifPresent(p -> conf.putAll(load(p)));
        conf.put("spark.master", master);
        conf.put("spark.app.name", appName);
        conf.putIfAbsent("spark.ui.enabled", "false");
        conf.put("spark.task.maxFailures", Long.toString(parameters.integer("task_max_failures")));
        // One evaluation per task slot: an evaluation uses the executor's cores itself.
        conf.putIfAbsent("spark.task.cpus", "1");
        parameters.get("executor_memory").map(Object::toString).ifPresent(m -> conf.put("spark.executor.memory", m));
        String driverHost = parameters.get("driver_host").map(Object::toString).orElse(null);
        if (local) {
            conf.put("spark.driver.host", "127.0.0.1");
            conf.put("spark.driver.bindAddress", "127.0.0.1");
        } else {
            String masterHost = standalone.group(1);
            if (driverHost == null && (masterHost.equals("127.0.0.1") || masterHost.equals("localhost"))) {
                driverHost = "127.0.0.1";
            }
            if (driverHost != null) {
                conf.put("spark.driver.host", driverHost);
            }
            String secret = ClusterSecret.read(parameters.get("secret_file").map(Object::toString).map(Path::of), env);
            conf.put("spark.authenticate", "true");
            conf.put("spark.authenticate.secret", secret);
            boolean encrypt = parameters.bool("encryption");
            conf.put("spark.network.crypto.enabled", Boolean.toString(encrypt));
            conf.put("spark.io.encryption.enabled", Boolean.toString(encrypt));
            pluginJar.ifPresent(j -> conf.put("spark.jars", j.toUri().toString()));
            if (home.isPresent()) {
                Path h = home.get();
                String cp = h.resolve("spark").resolve("jars") + "/*:" + h.resolve("lib") + "/*";
                conf.merge("spark.executor.extraClassPath", cp, (user, ours) -> ours + ":" + user);
                String opts = "-Devomerge.home=" + h + " --add-modules jdk.incubator.vector"
                        + " --enable-native-access=ALL-UNNAMED";
                conf.merge("spark.executor.extraJavaOptions", opts, (user, ours) -> ours + " " + user);
            }
        }
        // GPUs: when executors announce GPUs, each evaluation task takes one (Spark's resource scheduling).
        if (conf.containsKey("spark.executor.resource.gpu.amount")) {
            conf.putIfAbsent("spark.task.resource.gpu.amount", "1");
        }
        return new SparkSettings(master, local, Map.copyOf(conf));
    }

    /** The standalone master's host and port. */
    URI masterAddress() {
        return URI.create(master);
    }

    private static Map<String, String> load(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw EvomergeException.configuration(file + ": cannot read the Spark properties file: " + e.getMessage());
        }
        Map<String, String> conf = new LinkedHashMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (RESERVED.contains(key)) {
                throw EvomergeException.configuration(file + ": '" + key + "' is set by evomerge (the cluster, the"
                        + " secret and the jars come from the run's execution parameters and environment)");
            }
            conf.put(key, properties.getProperty(key).trim());
        }
        return conf;
    }
}
