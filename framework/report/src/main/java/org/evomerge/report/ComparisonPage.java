package org.evomerge.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.evomerge.statistics.Bootstrap;

/**
 * The HTML of a {@link RunComparison}: one row per run with its scores, intervals and paired difference to the
 * reference, a note per run that cannot be paired, and the best-so-far chart. Self-contained like
 * {@link ReportPage}; each run's name links its own {@code report.html}.
 */
final class ComparisonPage {

    private final Path page;
    private final RunComparison comparison;
    private final byte[] chart;
    private final StringBuilder out = new StringBuilder();

    ComparisonPage(Path page, RunComparison comparison, byte[] chart) {
        this.page = page;
        this.comparison = comparison;
        this.chart = chart.clone();
    }

    String html() {
        Path folder = page.getParent();
        String name = folder.getFileName() == null ? folder.toString() : folder.getFileName().toString();
        ReportPage.head(out, name);
        out.append("<h1>evomerge run comparison: ").append(ReportPage.escape(name)).append("</h1>\n");
        table(folder);
        notes();
        String caption = "Best fitness so far of every run against the evaluations it spent (a staged run's stages"
                + " one after the other)";
        out.append("<h2 id=\"budget\">Budget</h2>\n<figure id=\"best-so-far\">\n<img alt=\"")
                .append(ReportPage.escape(caption)).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(chart)).append("\">\n<figcaption>")
                .append(ReportPage.escape(caption)).append("</figcaption>\n</figure>\n");
        out.append("<p><small>Written by evomerge from ").append(ReportPage.escape(folder.toString()))
                .append(". Fitness: higher is better; the first objective is the primary one.</small></p>\n");
        out.append("</body>\n</html>\n");
        return out.toString();
    }

    private void table(Path folder) {
        List<String> tasks = taskNames();
        out.append("<h2 id=\"runs\">Runs</h2>\n<table>\n<tr><th class=\"l\">run</th><th class=\"l\">strategy</th>")
                .append("<th>evaluations</th><th>best fitness (dev)</th>");
        for (String task : tasks) {
            out.append("<th>").append(ReportPage.escape(task)).append("</th>");
        }
        out.append("<th>combined</th><th>difference to the reference</th><th>McNemar p</th></tr>\n");
        for (RunComparison.Row row : comparison.rows()) {
            out.append("<tr><td class=\"l\"><a href=\"")
                    .append(ReportPage.escape(folder.relativize(row.report()).toString().replace('\\', '/')))
                    .append("\">").append(row.reference() ? "<b>" : "").append(ReportPage.escape(row.name()))
                    .append(row.reference() ? "</b>" : "").append("</a></td><td class=\"l\">")
                    .append(ReportPage.escape(row.strategy()));
            if (!row.stages().isEmpty()) {
                out.append("<br><small>");
                for (RunComparison.Stage s : row.stages()) {
                    out.append(s.number() == row.stages().getFirst().number() ? "" : "<br>")
                            .append(ReportPage.escape(stageText(s)));
                }
                out.append("</small>");
            }
            out.append("</td><td>").append(row.evaluations()).append("</td><td>")
                    .append(row.best().map(b -> String.format(Locale.ROOT, "%.3f", b.fitness().primary()))
                            .orElse("")).append("</td>");
            for (String task : tasks) {
                out.append("<td>").append(row.tasks().stream().filter(t -> t.name().equals(task)).findFirst()
                        .map(t -> t.score().format(3)).orElse("")).append("</td>");
            }
            out.append("<td>").append(row.combined().map(c -> c.format(3)).orElse("")).append("</td>");
            if (row.reference()) {
                out.append("<td class=\"l\">reference</td><td></td>");
            } else if (row.paired().isPresent()) {
                RunComparison.Paired p = row.paired().get();
                out.append("<td>").append(ReportPage.escape(RunComparison.signed(p.difference()))).append("</td><td>")
                        .append(p.mcNemar().map(m -> m.pValueText() + " (" + m.onlyA() + " vs "
                                + m.onlyB() + ")").orElse("n/a")).append("</td>");
            } else {
                out.append("<td class=\"l\" colspan=\"2\">").append(ReportPage.escape(row.unpaired().orElse("")))
                        .append("</td>");
            }
            out.append("</tr>\n");
        }
        out.append("</table>\n");
    }

    private void notes() {
        out.append("<p><small>Each score is the best candidate's after the run (<code>best-scores.json</code>), with")
                .append(" its 95% percentile bootstrap interval over the task's items (")
                .append(Bootstrap.DEFAULT_RESAMPLES).append(" resamples, seeded with the run's seed, as in its own")
                .append(" report). A staged run shows its last stage's best candidate and the evaluations of all")
                .append(" its stages. ");
        Optional<RunComparison.Row> reference = comparison.reference();
        if (reference.isPresent()) {
            out.append("Combined: the mean of ").append(ReportPage.escape(String.join(", ",
                    comparison.combinedTasks()))).append(", resampled within each task. The reference, <b>")
                    .append(ReportPage.escape(reference.get().name())).append("</b>, is the run with the highest")
                    .append(" best fitness among those with per-item scores (chosen on dev, not on the scores it is")
                    .append(" compared on). Difference: the run's combined score minus the reference's on the same")
                    .append(" items, with its paired bootstrap 95% interval (seed ")
                    .append(comparison.pairedSeed().orElseThrow()).append(", the reference's); McNemar p: the exact")
                    .append(" two-sided test on the items only one of the two got right (run vs reference).");
        } else {
            out.append("No run has per-item scores of every combined task, so no run is paired with another.");
        }
        out.append("</small></p>\n");
    }

    /** {@code 2 dfs: cma-es, 60 evaluations, best 0.443}. */
    static String stageText(RunComparison.Stage s) {
        return s.number() + " " + s.name() + ": " + s.strategy().map(x -> x + ", ").orElse("not started, ")
                + s.evaluations() + " evaluation" + (s.evaluations() == 1 ? "" : "s")
                + s.best().map(b -> String.format(Locale.ROOT, ", best %.3f", b.fitness().primary())).orElse("");
    }

    private List<String> taskNames() {
        Set<String> names = new LinkedHashSet<>();
        for (RunComparison.Row row : comparison.rows()) {
            row.tasks().forEach(t -> names.add(t.name()));
        }
        return new ArrayList<>(names);
    }
}
