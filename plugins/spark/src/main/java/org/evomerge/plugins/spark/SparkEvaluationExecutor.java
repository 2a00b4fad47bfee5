package org.evomerge.plugins.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.execution.EvaluationExecutor;
import org.evomerge.api.execution.EvaluationRun;
import org.evomerge.api.execution.EvaluationTask;

/**
 * Runs a generation's evaluations as Spark tasks: one job per candidate, all submitted at once, so results come
 * back (and are journaled by the engine) as they finish. Spark re-runs a task whose executor is lost; the driver
 * receives one result per job, so each evaluation is reported once.
 *
 * <p>Spark's classes live in this plugin's class loader, and Spark looks classes up through the thread's context
 * class loader: every call into Spark runs with the plugin's loader as context loader (threads Spark starts inherit
 * it).
 */
final class SparkEvaluationExecutor implements EvaluationExecutor {

    private static final System.Logger LOG = System.getLogger(SparkEvaluationExecutor.class.getName());

    private final SparkSettings settings;
    private final JavaSparkContext spark;
    private final ExecutorSideEvaluation function;

    SparkEvaluationExecutor(SparkSettings settings, EvaluationRun run) {
        this.settings = settings;
        this.function = new ExecutorSideEvaluation(RunPayload.of(run));
        if (!settings.local()) {
            withPluginLoader(() -> {
                ClusterPreflight.check(settings, ClusterPreflight.Client.DRIVER);
                return null;
            });
        }
        preloadShutdownClasses();
        this.spark = withPluginLoader(() -> {
            SparkConf conf = new SparkConf(false);
            settings.conf().forEach(conf::set);
            JavaSparkContext context = new JavaSparkContext(conf);
            context.setLogLevel("WARN");
            return context;
        });
    }

    @Override
    public void evaluate(List<EvaluationTask> tasks, Listener listener) {
        withPluginLoader(() -> {
            Map<EvaluationTask, JavaFutureAction<List<ResultPayload>>> running = new LinkedHashMap<>();
            for (EvaluationTask task : tasks) {
                if (!listener.mayStart(task)) {
                    continue;
                }
                spark.setJobDescription("evomerge " + task.candidateId());
                running.put(task, spark.parallelize(List.of(TaskPayload.of(task)), 1).map(function).collectAsync());
            }
            RuntimeException failure = null;
            List<EvaluationTask> pending = new ArrayList<>(running.keySet());
            while (!pending.isEmpty()) {
                for (var it = pending.iterator(); it.hasNext(); ) {
                    EvaluationTask task = it.next();
                    JavaFutureAction<List<ResultPayload>> job = running.get(task);
                    List<ResultPayload> result;
                    try {
                        result = job.get(10, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException e) {
                        continue;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        running.values().forEach(j -> j.cancel(true));
                        throw new IllegalStateException("evaluation interrupted", e);
                    } catch (ExecutionException e) {
                        it.remove();
                        if (failure == null) {
                            failure = new EvomergeException(ErrorCategory.INTERNAL, "candidate " + task.candidateId()
                                    + " failed on the Spark cluster " + settings.master() + ": " + rootMessage(e));
                        }
                        continue;
                    }
                    it.remove();
                    ResultPayload r = result.getFirst();
                    if (r.errorCategory() != null) {
                        if (failure == null) {
                            failure = new EvomergeException(ErrorCategory.valueOf(r.errorCategory()),
                                    "on Spark executor " + r.host() + ": " + r.errorMessage());
                        }
                        continue;
                    }
                    listener.finished(task, r.results(), r.seconds());
                }
            }
            if (failure != null) {
                throw failure;
            }
            return null;
        });
    }

    @Override
    public void close() {
        withPluginLoader(() -> {
            spark.stop();
            return null;
        });
    }

    /**
     * Hadoop's shutdown-hook manager (Spark registers its hooks there) loads a class only when the JVM exits, after
     * the host has closed this plugin's class loader: load it now so the JVM's exit stays quiet.
     */
    private static void preloadShutdownClasses() {
        for (String name : List.of("org.apache.hadoop.util.ShutdownHookManager$2",
                "org.apache.hadoop.util.ShutdownHookManager$HookEntry")) {
            try {
                Class.forName(name, true, SparkEvaluationExecutor.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                LOG.log(System.Logger.Level.DEBUG, "cannot preload " + name, e);
            }
        }
    }

    /** The innermost cause's message, first line only: Spark wraps the executor's error in several layers. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        String first = message.lines().findFirst().orElse(message);
        LOG.log(System.Logger.Level.DEBUG, "Spark job failed", e);
        return first;
    }

    static <T> T withPluginLoader(java.util.function.Supplier<T> body) {
        // Spark's SLF4J (in this plugin's lib/) would also see the host's SLF4J provider through the parent loader,
        // reject it as "not a subtype" and say so on stderr: name the provider it ships instead.
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", "org.apache.logging.slf4j.SLF4JServiceProvider");
            System.setProperty("slf4j.internal.verbosity", "WARN");
        }
        // Spark installs an INFO-level console configuration unless Log4j 2 already has one: give it ours.
        java.net.URL logging = SparkEvaluationExecutor.class.getResource("log4j2-driver.properties");
        if (System.getProperty("log4j2.configurationFile") == null && logging != null) {
            System.setProperty("log4j2.configurationFile", logging.toString());
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(SparkEvaluationExecutor.class.getClassLoader());
        try {
            return body.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
