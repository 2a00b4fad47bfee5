package org.evomerge.cli.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.cli.CommandOutput;
import org.evomerge.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code evomerge report RUN_DIR}: (re)writes an evolution run's plots and HTML report. */
@Command(name = "report", mixinStandardHelpOptions = true)
public final class ReportCommand implements Runnable {

    @Parameters(paramLabel = "RUN_DIR", descriptionKey = "runDir")
    Path runDir;

    @Mixin
    CommandOutput output;

    @Override
    public void run() {
        Path cwd = output.session().environment().workingDirectory();
        RunReport.Written written = RunReport.write(cwd.resolve(runDir).normalize());
        List<RunReport.StageSummary> stages = written.stages();
        output.print(() -> {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("report", written.html().toString());
            doc.put("plots", written.plots().stream().map(Path::toString).toList());
            if (stages.isEmpty()) {
                doc.put("evaluations", written.journal().evaluations().size());
                doc.put("finished", written.journal().finish().isPresent());
            } else {
                doc.put("evaluations", stages.stream().mapToInt(RunReport.StageSummary::evaluations).sum());
                doc.put("finished", stages.stream().allMatch(s -> s.state().startsWith("finished")));
            }
            doc.put("torn_last_line", written.journal().tornLastLine());
            if (!stages.isEmpty()) {
                doc.put("stages", stagesJson(stages));
            }
            return doc;
        }, out -> {
            for (Path p : written.plots()) {
                out.println("wrote " + p);
            }
            out.println("wrote " + written.html());
            stageLines(stages).forEach(out::println);
        });
    }

    /**
     * A staged run's stages as {@code --json} writes them: {@code number}, {@code name}, {@code evaluations},
     * {@code best_id} and {@code best_fitness} (null before the first evaluation), {@code state}, {@code model}
     * (the stage's {@code best/}, null until written).
     */
    public static List<Map<String, Object>> stagesJson(List<RunReport.StageSummary> stages) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (RunReport.StageSummary s : stages) {
            Map<String, Object> stage = new LinkedHashMap<>();
            stage.put("number", s.number());
            stage.put("name", s.name());
            stage.put("evaluations", s.evaluations());
            stage.put("best_id", s.best().map(b -> b.id()).orElse(null));
            stage.put("best_fitness", s.best().map(b -> b.fitness().objectives()).orElse(null));
            stage.put("state", s.state());
            stage.put("model", s.model().map(Path::toString).orElse(null));
            list.add(stage);
        }
        return list;
    }

    /** One line per stage: {@code stage 1 ps: 12 evaluations, best g3-1 [0.5], finished (budget), model PATH}. */
    public static List<String> stageLines(List<RunReport.StageSummary> stages) {
        List<String> lines = new ArrayList<>();
        for (RunReport.StageSummary s : stages) {
            lines.add("stage " + s.number() + " " + s.name() + ": " + s.evaluations() + " evaluation"
                    + (s.evaluations() == 1 ? "" : "s") + s.best().map(b -> ", best " + b.id() + " "
                    + b.fitness().objectives()).orElse("") + ", " + s.state()
                    + s.model().map(m -> ", model " + m).orElse(""));
        }
        return lines;
    }
}
