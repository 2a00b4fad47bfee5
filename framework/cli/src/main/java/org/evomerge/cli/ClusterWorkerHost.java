package org.evomerge.cli;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.execution.CandidateEvaluator;
import org.evomerge.api.execution.EvaluationRun;
import org.evomerge.api.execution.EvaluationTask;
import org.evomerge.api.execution.EvaluationWorkerHost;
import org.evomerge.engine.evolution.EvolutionJob;

/**
 * The evomerge host inside a remote worker JVM (a Spark executor with the distribution's {@code lib/} on its class
 * path): a command session as the CLI builds one (configuration, plugins, inference engine, compute backend), with
 * the plugins of this installation ({@code -Devomerge.home}) and those of the coordinator's plugin folders that exist
 * here, and
 * the run's evaluation side from {@link EvolutionJob#openCandidateEvaluator}. Found with {@link java.util.ServiceLoader}.
 */
public final class ClusterWorkerHost implements EvaluationWorkerHost {

    @Override
    public CandidateEvaluator open(EvaluationRun run) {
        CliEnvironment system = CliEnvironment.fromSystem();
        PrintWriter discard = new PrintWriter(OutputStream.nullOutputStream());
        // Quiet: a worker has no terminal; its errors travel back to the coordinator as results.
        CliEnvironment environment = new CliEnvironment(system.home(), system.environment(), system.userHome(),
                run.runFile().getParent(), discard, discard);
        GlobalOptions options = new GlobalOptions();
        options.quiet = true;
        options.threads = run.threads();
        options.seed = run.seed();
        // The installation's own plugins, plus the coordinator's extra plugin folders found at the same path here
        // (a local copy or a shared file system).
        for (Path dir : run.pluginDirs()) {
            if (Files.isDirectory(dir) && !environment.pluginsFolder().map(dir::equals).orElse(false)) {
                options.pluginDirs.add(dir);
            }
        }
        if (environment.pluginsFolder().isEmpty() && options.pluginDirs.isEmpty()) {
            throw EvomergeException.configuration("this worker has no evomerge installation (-Devomerge.home) and"
                    + " none of the coordinator's plugin folders " + run.pluginDirs() + " exists here");
        }
        CommandSession session = new CommandSession(environment, options);
        try {
            CandidateEvaluator evaluator = EvolutionJob.openCandidateEvaluator(run, session.plugins().catalog(),
                    session.modelFormats(), session.architectures(), session.runContext());
            return new CandidateEvaluator() {
                @Override
                public Map<String, EvaluationResult> evaluate(EvaluationTask task) {
                    return evaluator.evaluate(task);
                }

                @Override
                public void close() {
                    evaluator.close();
                    session.close();
                }
            };
        } catch (RuntimeException | Error e) {
            session.close();
            throw e;
        }
    }
}
