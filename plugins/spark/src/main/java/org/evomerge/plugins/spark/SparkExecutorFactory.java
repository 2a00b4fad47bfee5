package org.evomerge.plugins.spark;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.execution.EvaluationExecutor;
import org.evomerge.api.execution.EvaluationExecutorFactory;
import org.evomerge.api.execution.EvaluationRun;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;

/**
 * {@code spark}: evaluations as Spark tasks, in local mode ({@code local[N]}, threads of this JVM) or on a standalone
 * cluster ({@code spark://HOST:PORT}, authenticated and encrypted with the cluster's shared secret). See
 * docs/cluster.md.
 */
@Extension
public class SparkExecutorFactory implements EvaluationExecutorFactory {

    static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("spark", "1.0.0",
            ExtensionKind.EVALUATION_EXECUTOR,
            "Apache Spark: each candidate a task on a local[N] or standalone spark://HOST:PORT cluster.",
            ParameterSchema.of(
                    new ParameterSpec("cluster", ParameterType.STRING, "local[2]", null, null, List.of(), false,
                            ParameterScope.GLOBAL, "local[N] or spark://HOST:PORT"),
                    optional("secret_file", ParameterType.PATH, "file holding the cluster's shared secret (else "
                            + ClusterSecret.ENV + ")"),
                    ParameterSpec.bool("encryption", true, "encrypt RPC and spill files on cluster runs"),
                    ParameterSpec.integer("task_max_failures", 4, 1L, 100L,
                            "attempts per evaluation before the run fails (a lost executor's task is retried)"),
                    optional("driver_host", ParameterType.STRING, "address executors reach the coordinator at"),
                    optional("executor_memory", ParameterType.STRING, "spark.executor.memory, e.g. 8g"),
                    optional("properties_file", ParameterType.PATH, "further Spark properties (GPU resources, ...)"),
                    optional("home", ParameterType.PATH, "the evomerge installation on the workers (default: this"
                            + " one's path)")),
            Set.of());

    private final Map<String, String> env;

    public SparkExecutorFactory() {
        this(System.getenv());
    }

    SparkExecutorFactory(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    private static ParameterSpec optional(String name, ParameterType type, String description) {
        return new ParameterSpec(name, type, null, null, null, List.of(), false, ParameterScope.GLOBAL, description);
    }

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public EvaluationExecutor create(Parameters parameters, int workers, RunContext context) {
        EvaluationRun run = context.service(EvaluationRun.class).orElseThrow(() -> EvomergeException.configuration(
                "the spark executor needs the run description (EvaluationRun service); this host does not offer it"));
        Optional<Path> home = parameters.get("home").map(Object::toString).map(Path::of)
                .or(() -> Optional.ofNullable(System.getProperty("evomerge.home")).map(Path::of));
        SparkSettings settings = SparkSettings.of(parameters, env, pluginJar(), home,
                "evomerge " + run.runFile().getFileName());
        return new SparkEvaluationExecutor(settings, run);
    }

    /** The jar (or classes folder, in tests) this plugin's classes come from: executors load the task code from it. */
    private static Optional<Path> pluginJar() {
        try {
            Path p = Path.of(SparkExecutorFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            return Optional.empty();
        }
    }

}
