package org.evomerge.cli.report;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.output.TextTable;
import org.evomerge.report.RunComparison;
import org.evomerge.report.RunReport;
import org.evomerge.statistics.Interval;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code evomerge report RUN_DIR...}: (re)writes an evolution run's plots and HTML report; given several run folders,
 * or one folder that holds run folders, also the page comparing them ({@link RunComparison}).
 */
@Command(name = "report", mixinStandardHelpOptions = true)
public final class ReportCommand implements Runnable {

    @Parameters(paramLabel = "RUN_DIR", arity = "1..*", descriptionKey = "runDir")
    List<Path> runDirs;

    @Option(names = "--out", paramLabel = "FILE", descriptionKey = "out")
    Path out;

    @Mixin
    CommandOutput output;

    @Override
    public void run() {
        Path cwd = output.session().environment().workingDirectory();
        List<Path> dirs = runDirs.stream().map(d -> cwd.resolve(d).normalize()).toList();
        Set<Path> seen = new HashSet<>();
        for (Path dir : dirs) {
            if (!seen.add(dir.toAbsolutePath())) {
                throw new CommandLine.ParameterException(output.commandLine(), "RUN_DIR given twice: " + dir);
            }
        }
        List<Path> runs = dirs;
        Path page = null;
        if (dirs.size() == 1) {
            List<Path> held = RunComparison.runFolders(dirs.getFirst());
            if (held.isEmpty()) {
                if (out != null) {
                    throw new CommandLine.ParameterException(output.commandLine(), "--out names the comparison"
                            + " page: give several RUN_DIRs or a folder of run folders");
                }
                single(dirs.getFirst());
                return;
            }
            runs = held;
            page = dirs.getFirst().resolve(RunComparison.PAGE);
        } else {
            page = cwd.resolve(RunComparison.PAGE);
        }
        if (out != null) {
            Path named = cwd.resolve(out).normalize();
            page = Files.isDirectory(named) ? named.resolve(RunComparison.PAGE) : named;
        }
        compare(runs, page);
    }

    private void single(Path dir) {
        RunReport.Written written = RunReport.write(dir);
        output.print(() -> reportJson(written), text -> {
            for (Path p : written.plots()) {
                text.println("wrote " + p);
            }
            text.println("wrote " + written.html());
            stageLines(written.stages()).forEach(text::println);
        });
    }

    /** Reads every run first, so a bad one stops the command before any page is written. */
    private void compare(List<Path> runs, Path page) {
        RunComparison comparison = RunComparison.of(runs);
        List<RunReport.Written> reports = new ArrayList<>();
        for (Path run : runs) {
            reports.add(RunReport.write(run));
        }
        comparison.write(page);
        Path written = page.toAbsolutePath().normalize();
        output.print(() -> {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("runs", reports.stream().map(ReportCommand::reportJson).toList());
            doc.put("comparison", comparisonJson(comparison, written));
            return doc;
        }, text -> {
            for (RunReport.Written report : reports) {
                text.println("wrote " + report.html());
            }
            text.println("wrote " + written);
            text.println();
            comparisonLines(comparison).forEach(text::println);
        });
    }

    /** One run's report as {@code --json} prints it. */
    private static Map<String, Object> reportJson(RunReport.Written written) {
        List<RunReport.StageSummary> stages = written.stages();
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
    }

    /**
     * The comparison as {@code --json}'s {@code comparison} key: {@code page}, {@code reference} (a run's name or
     * null), {@code combined_tasks}, {@code paired_seed} and {@code runs}, one object per row (docs/report.md).
     */
    static Map<String, Object> comparisonJson(RunComparison comparison, Path page) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("page", page.toString());
        doc.put("reference", comparison.reference().map(RunComparison.Row::name).orElse(null));
        doc.put("combined_tasks", comparison.combinedTasks());
        doc.put("paired_seed", comparison.pairedSeed().orElse(null));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (RunComparison.Row row : comparison.rows()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", row.name());
            r.put("folder", row.folder().toString());
            r.put("strategy", row.strategy());
            r.put("objective", row.objective());
            r.put("evaluations", row.evaluations());
            r.put("best_id", row.best().map(b -> b.id()).orElse(null));
            r.put("best_fitness", row.best().map(b -> b.fitness().primary()).orElse(null));
            if (!row.stages().isEmpty()) {
                List<Map<String, Object>> stages = new ArrayList<>();
                for (RunComparison.Stage s : row.stages()) {
                    Map<String, Object> stage = new LinkedHashMap<>();
                    stage.put("number", s.number());
                    stage.put("name", s.name());
                    stage.put("strategy", s.strategy().orElse(null));
                    stage.put("evaluations", s.evaluations());
                    stage.put("best_id", s.best().map(b -> b.id()).orElse(null));
                    stage.put("best_fitness", s.best().map(b -> b.fitness().primary()).orElse(null));
                    stages.add(stage);
                }
                r.put("stages", stages);
            }
            List<Map<String, Object>> tasks = new ArrayList<>();
            for (RunComparison.TaskScore t : row.tasks()) {
                Map<String, Object> task = new LinkedHashMap<>();
                task.put("name", t.name());
                task.put("items", t.items());
                task.put("score", t.score().estimate());
                task.put("interval", bounds(t.score()));
                tasks.add(task);
            }
            r.put("tasks", tasks);
            r.put("combined", row.combined().map(Interval::estimate).orElse(null));
            r.put("combined_interval", row.combined().map(ReportCommand::bounds).orElse(null));
            r.put("reference", row.reference());
            row.paired().ifPresent(p -> {
                r.put("difference", p.difference().estimate());
                r.put("difference_interval", bounds(p.difference()));
                r.put("mcnemar_p", p.mcNemar().map(m -> m.pValue()).orElse(null));
                r.put("only_run", p.mcNemar().map(m -> m.onlyA()).orElse(null));
                r.put("only_reference", p.mcNemar().map(m -> m.onlyB()).orElse(null));
            });
            row.unpaired().ifPresent(why -> r.put("unpaired", why));
            rows.add(r);
        }
        doc.put("runs", rows);
        return doc;
    }

    private static List<Double> bounds(Interval interval) {
        return interval.defined() ? List.of(interval.lower(), interval.upper()) : null;
    }

    /**
     * The text form: one row per run with its combined tasks' scores (the page has every task), then how the
     * reference was chosen and why a run has no paired columns.
     */
    static List<String> comparisonLines(RunComparison comparison) {
        List<String> tasks = comparison.combinedTasks();
        List<String> header = new ArrayList<>(List.of("RUN", "STRATEGY", "EVALUATIONS", "BEST FITNESS (DEV)"));
        tasks.forEach(t -> header.add(t.toUpperCase(Locale.ROOT)));
        header.addAll(List.of("COMBINED", "DIFFERENCE TO " + comparison.reference().map(RunComparison.Row::name)
                .orElse("THE REFERENCE").toUpperCase(Locale.ROOT), "MCNEMAR P"));
        TextTable table = new TextTable(header.toArray(String[]::new));
        List<String> notes = new ArrayList<>();
        for (RunComparison.Row row : comparison.rows()) {
            List<String> cells = new ArrayList<>();
            cells.add(row.name() + (row.reference() ? " *" : ""));
            cells.add(row.strategy() + (row.stages().isEmpty() ? "" : " (stages " + String.join(", ",
                    row.stages().stream().map(s -> s.name() + " " + s.evaluations()).toList()) + ")"));
            cells.add(Integer.toString(row.evaluations()));
            cells.add(row.best().map(b -> String.format(Locale.ROOT, "%.3f", b.fitness().primary())).orElse("-"));
            for (String task : tasks) {
                cells.add(row.tasks().stream().filter(t -> t.name().equals(task)).findFirst()
                        .map(t -> t.score().format(2)).orElse("-"));
            }
            cells.add(row.combined().map(c -> c.format(3)).orElse("-"));
            if (row.reference()) {
                cells.add("reference");
                cells.add("");
            } else {
                Optional<RunComparison.Paired> p = row.paired();
                cells.add(p.map(x -> RunComparison.signed(x.difference())).orElse("-"));
                cells.add(p.flatMap(RunComparison.Paired::mcNemar).map(m -> m.pValueText()
                        + " (" + m.onlyA() + " vs " + m.onlyB() + ")").orElse("-"));
                row.unpaired().ifPresent(why -> notes.add(row.name() + ": not paired, " + why));
            }
            table.row(cells.toArray(String[]::new));
        }
        StringWriter buffer = new StringWriter();
        table.print(new PrintWriter(buffer));
        List<String> lines = new ArrayList<>(buffer.toString().lines().toList());
        comparison.reference().ifPresentOrElse(r -> lines.add(String.format(Locale.ROOT, "* reference: %s, the"
                + " highest best fitness among the runs with per-item scores; combined = mean of %s; [95%% interval]:"
                + " bootstrap over items; difference: paired bootstrap (seed %d), McNemar: exact, items only the run"
                + " vs only the reference got right", r.name(), String.join(", ", tasks),
                comparison.pairedSeed().orElseThrow())),
                () -> lines.add("no run has per-item scores of its combined tasks: nothing is paired"));
        lines.addAll(notes);
        return lines;
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
