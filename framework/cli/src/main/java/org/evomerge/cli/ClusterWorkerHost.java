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
 * the plugins of this installation ({@code -Devomerge.home}) or, without one, the coordinator's plugin folders, and
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
        if (environment.pluginsFolder().isEmpty()) {
            for (Path dir : run.pluginDirs()) {
                if (Files.isDirectory(dir)) {
                    options.pluginDirs.add(dir);
                }
            }
            if (options.pluginDirs.isEmpty()) {
                throw EvomergeException.configuration("this worker has no evomerge installation (-Devomerge.home) and"
                        + " none of the coordinator's plugin folders " + run.pluginDirs() + " exists here");
            }
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
