package org.evomerge.cli.evolve;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.VersionProvider;
import org.evomerge.cli.report.ReportCommand;
import org.evomerge.engine.evolution.EvolutionJob;
import org.evomerge.engine.evolution.KinshipMeasure;
import org.evomerge.engine.evolution.MergekitEvolveConfig;
import org.evomerge.engine.evolution.RunFile;
import org.evomerge.engine.evolution.RunFileReader;
import org.evomerge.engine.kinship.KinshipCalculator;
import org.evomerge.engine.kinship.KinshipMetric;
import org.evomerge.engine.kinship.KinshipOptions;
import org.evomerge.report.RunReport;
import org.evomerge.runfolder.JournalRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code evomerge evolve RUN.yml --out RUN_DIR [--resume]}: runs an evolution (docs/evolution.md); RUN.yml is an
 * evomerge run file or a mergekit-evolve configuration, with mergekit-evolve's options ({@link MergekitEvolveOptions}).
 */
@Command(name = "evolve", mixinStandardHelpOptions = true)
public final class EvolveCommand implements Runnable {

    @Parameters(index = "0", paramLabel = "RUN.yml", descriptionKey = "runFile")
    Path runFile;

    @Option(names = "--out", paramLabel = "RUN_DIR")
    Path out;

    @Mixin
    MergekitEvolveOptions mergekit;

    @Option(names = "--resume")
    boolean resume;

    @Option(names = "--allow-version-change")
    boolean allowVersionChange;

    @Option(names = "--cluster", paramLabel = "MASTER")
    String cluster;

    @Option(names = "--cluster-secret-file", paramLabel = "FILE")
    Path clusterSecretFile;

    @Mixin
    CommandOutput output;

    @Override
    public void run() {
        if (allowVersionChange && !resume) {
            throw new picocli.CommandLine.ParameterException(output.commandLine(),
                    "--allow-version-change needs --resume");
        }
        CommandSession session = output.session();
        Path cwd = session.environment().workingDirectory();
        Path file = cwd.resolve(runFile).normalize();
        RunFile run;
        if (MergekitEvolveConfig.isConfig(file)) {
            if (out == null) {
                out = mergekit.storagePath();
            }
            requireOut();
            if (cluster != null) {
                throw EvomergeException.configuration("--cluster: a mergekit-evolve configuration evaluates on the"
                        + " local worker pool; write an evomerge run file (docs/evolution.md) to use a cluster");
            }
            MergekitEvolveConfig.Translation translation = mergekit.translate(file, session);
            translation.notices().forEach(n -> output.err().println("evomerge: notice: " + n));
            run = translation.run();
        } else {
            mergekit.refuseForRunFile(output.commandLine());
            requireOut();
            run = RunFileReader.read(file);
        }
        if (run.kinship().isPresent() && run.baseModel().isEmpty()) {
            // Checked here, before the run starts, not at the first kinship measurement.
            throw EvomergeException.configuration(run.where("kinship") + ": 'kinship' compares task vectors and"
                    + " needs a base_model");
        }
        Path runDir = session.environment().resolve(out);
        long started = System.nanoTime();
        List<RunReport.StageSummary> stages = new ArrayList<>();
        // The last report written is the run's (a staged run's stages are reported before the run's own page).
        EvolutionJob.ReportWriter report = dir -> {
            stages.clear();
            stages.addAll(RunReport.write(dir).stages());
        };
        KinshipCalculator calculator = KinshipCalculator.of(session.runContext());
        Optional<KinshipMeasure> kinship = Optional.of((models, base, metric) -> {
            List<KinshipCalculator.NamedModel> named = new ArrayList<>();
            for (int i = 0; i < models.size(); i++) {
                named.add(new KinshipCalculator.NamedModel("candidate " + i, models.get(i)));
            }
            return calculator.compute(new KinshipCalculator.NamedModel("base", base.get()), named,
                    KinshipOptions.defaults()).matrix(KinshipMetric.byId(metric));
        });
        List<Path> pluginDirs = new ArrayList<>();
        session.environment().pluginsFolder().ifPresent(pluginDirs::add);
        pluginDirs.addAll(session.settings().plugins().dirs());
        EvolutionJob.Result result = EvolutionJob.run(run, session.plugins().catalog(), session.modelFormats(),
                session.architectures(), session.runContext(),
                new EvolutionJob.Options(runDir, resume, VersionProvider.evomergeVersion(),
                        session.settings().output().format(), execution(run, cwd), pluginDirs, allowVersionChange),
                session.runContext().progress(), kinship, report);
        double seconds = (System.nanoTime() - started) / 1e9;
        JournalRecord.Evaluation best = result.outcome().best();
        List<JournalRecord.Generation> generations = result.outcome().generations();
        // A budget that runs out inside a generation ends the run with that generation partly evaluated.
        boolean partial = !generations.isEmpty() && generations.getLast().partial();
        output.print(() -> {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("run_dir", runDir.toString());
            doc.put("reason", result.outcome().reason());
            doc.put("evaluations", result.outcome().evaluations().size());
            doc.put("generations", generations.size());
            doc.put("last_generation_partial", partial);
            doc.put("best_id", best.id());
            doc.put("best_fitness", best.fitness().objectives());
            doc.put("best_metrics", best.metrics());
            doc.put("best_dir", result.best().toString());
            doc.put("seconds", seconds);
            if (!stages.isEmpty()) {
                doc.put("stages", ReportCommand.stagesJson(stages));
            }
            return doc;
        }, stdout -> {
            int evaluations = result.outcome().evaluations().size();
            stdout.printf(Locale.ROOT, "%d evaluation%s in %d generation%s%s (ended by %s); best %s, fitness %s -> %s%n",
                    evaluations, evaluations == 1 ? "" : "s", generations.size(), generations.size() == 1 ? "" : "s",
                    partial ? ", the last one partial" : "", result.outcome().reason(), best.id(),
                    best.fitness().objectives(), result.best());
            ReportCommand.stageLines(stages).forEach(stdout::println);
        });
    }

    /** {@code --out}, or with a mergekit-evolve configuration {@code --storage-path}, is required. */
    private void requireOut() {
        if (out == null) {
            throw new picocli.CommandLine.ParameterException(output.commandLine(),
                    "Missing required option: '--out=RUN_DIR'");
        }
    }

    /** {@code --cluster} as the {@code spark} executor, over the run file's own spark parameters when it has some. */
    private Optional<RunFile.ExtensionChoice> execution(RunFile run, Path cwd) {
        if (cluster == null) {
            if (clusterSecretFile != null) {
                throw new picocli.CommandLine.ParameterException(output.commandLine(),
                        "--cluster-secret-file needs --cluster");
            }
            return Optional.empty();
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        run.execution().filter(e -> e.id().equals("spark")).ifPresent(e -> parameters.putAll(e.parameters()));
        parameters.put("cluster", cluster);
        if (clusterSecretFile != null) {
            parameters.put("secret_file", cwd.resolve(clusterSecretFile).toAbsolutePath().normalize().toString());
        }
        return Optional.of(new RunFile.ExtensionChoice("spark", parameters, "--cluster"));
    }
}
