package org.evomerge.report;

import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The HTML of a staged run's report (a run file with {@code stages}, such as Sakana's PS+DFS): one row per stage with
 * its evaluations, best candidate and fitness, state and chosen model, then each stage's fitness plot, embedded,
 * and a link to the stage's own report. Self-contained like {@link ReportPage}.
 */
final class StagesPage {

    private final Path dir;
    private final List<RunReport.StageSummary> stages;
    private final Optional<String> runFile;
    private final StringBuilder out = new StringBuilder();

    StagesPage(Path dir, List<RunReport.StageSummary> stages, Optional<String> runFile) {
        this.dir = dir;
        this.stages = List.copyOf(stages);
        this.runFile = runFile;
    }

    String html() {
        String name = dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
        ReportPage.head(out, name);
        out.append("<h1>evomerge run report: ").append(ReportPage.escape(name)).append("</h1>\n");
        out.append("<h2 id=\"stages\">Stages</h2>\n<p>Each stage is a run of its own in <code>stages/</code>; a model")
                .append(" a later stage names with <code>{stage: NAME}</code> is that stage's best model.</p>\n")
                .append("<table>\n<tr><th>#</th><th class=\"l\">stage</th><th>evaluations</th>")
                .append("<th class=\"l\">best</th><th>best fitness</th><th class=\"l\">state</th>")
                .append("<th class=\"l\">model</th><th class=\"l\">report</th></tr>\n");
        for (RunReport.StageSummary s : stages) {
            String folder = dir.relativize(s.folder()).toString();
            out.append("<tr><td>").append(s.number()).append("</td><td class=\"l\">")
                    .append(ReportPage.escape(s.name())).append("</td><td>").append(s.evaluations()).append("</td><td class=\"l\">")
                    .append(ReportPage.escape(s.best().map(b -> b.id()).orElse("")))
                    .append("</td><td>").append(s.best().map(b -> ReportPage.numbers(b.fitness().objectives()))
                            .orElse("")).append("</td><td class=\"l\">")
                    .append(ReportPage.escape(s.state())).append("</td><td class=\"l\">")
                    .append(ReportPage.escape(s.model().map(m -> dir.relativize(m).toString()).orElse("")))
                    .append("</td><td class=\"l\">").append(s.report().isPresent() ? "<a href=\""
                            + ReportPage.escape(dir.relativize(s.report().get()).toString()) + "\">"
                            + ReportPage.escape(folder) + "</a>" : "").append("</td></tr>\n");
        }
        out.append("</table>\n");
        for (RunReport.StageSummary s : stages) {
            s.fitnessPlot().ifPresent(png -> {
                String caption = "Stage " + s.number() + " (" + s.name() + "): best and mean fitness per generation";
                out.append("<figure id=\"stage-").append(s.number()).append("\">\n<img alt=\"")
                        .append(ReportPage.escape(caption)).append("\" src=\"data:image/png;base64,")
                        .append(Base64.getEncoder().encodeToString(png)).append("\">\n<figcaption>")
                        .append(ReportPage.escape(caption)).append("</figcaption>\n</figure>\n");
            });
        }
        out.append("<h2 id=\"settings\">Run settings</h2>\n");
        out.append(runFile.map(t -> "<pre>" + ReportPage.escape(t) + "</pre>\n")
                .orElse("<p>No run.yml in the run directory.</p>\n"));
        out.append("<p><small>Written by evomerge from ").append(ReportPage.escape(dir.toString()))
                .append(". Fitness: higher is better; the first objective is the primary one.</small></p>\n");
        out.append("</body>\n</html>\n");
        return out.toString();
    }
}
