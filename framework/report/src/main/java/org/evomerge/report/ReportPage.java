package org.evomerge.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.evomerge.runfolder.BestScores;
import org.evomerge.runfolder.GenomeJson;
import org.evomerge.runfolder.HistoryRow;
import org.evomerge.runfolder.Journal;
import org.evomerge.runfolder.JournalRecord;
import org.evomerge.statistics.Bootstrap;
import org.evomerge.statistics.Interval;

/**
 * The HTML of a run report: one file with no external resources (images as {@code data:} URIs, inline CSS), so it
 * can be mailed or archived. A small inline script marks the body with {@code data-images="loaded"} once every plot
 * has decoded, and records script or resource errors in {@code data-errors}; the browser test reads both.
 */
final class ReportPage {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final Journal journal;
    private final List<HistoryRow> rows;
    private final String rowsSource;
    private final Optional<JournalRecord.Evaluation> best;
    private final Optional<BestScores> bestScores;
    private final Optional<JournalRecord.Kinship> kinship;
    private final Optional<RunCharts.Lineage> lineage;
    private final Optional<String> runFile;
    private final Optional<String> recipe;
    private final Map<String, byte[]> images;
    private final StringBuilder out = new StringBuilder();

    ReportPage(Path dir, Journal journal, List<HistoryRow> rows, String rowsSource,
               Optional<JournalRecord.Evaluation> best, Optional<BestScores> bestScores,
               Optional<JournalRecord.Kinship> kinship,
               Optional<RunCharts.Lineage> lineage, Optional<String> runFile, Optional<String> recipe,
               Map<String, byte[]> images) {
        this.dir = dir;
        this.journal = journal;
        this.rows = rows;
        this.rowsSource = rowsSource;
        this.best = best;
        this.bestScores = bestScores;
        this.kinship = kinship;
        this.lineage = lineage;
        this.runFile = runFile;
        this.recipe = recipe;
        this.images = images;
    }

    String html() {
        String name = dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
        head(out, name);
        out.append("<h1>evomerge run report: ").append(escape(name)).append("</h1>\n");
        summary();
        plots();
        bestCandidate();
        generations();
        settings();
        out.append("<p><small>Written by evomerge from ").append(escape(dir.toString()))
                .append(". Fitness: higher is better; the first objective is the primary one.</small></p>\n");
        out.append("</body>\n</html>\n");
        return out.toString();
    }

    /**
     * The page's head and the opening body tag: title, the script that marks the body once every image decoded, and
     * the style; shared with the stages page.
     */
    static void head(StringBuilder out, String name) {
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>evomerge run report: ").append(escape(name)).append("</title>\n")
                .append("<script>\n")
                .append("window.addEventListener('error', function (e) {\n")
                .append("  var what = e.message || ('cannot load ' + ((e.target && (e.target.src || e.target.href))")
                .append(" || 'a resource').slice(0, 80));\n")
                .append("  document.documentElement.setAttribute('data-errors',")
                .append(" (document.documentElement.getAttribute('data-errors') || '') + what + '; ');\n")
                .append("}, true);\n")
                .append("window.addEventListener('load', function () {\n")
                .append("  var images = document.images, ok = images.length > 0;\n")
                .append("  for (var i = 0; i < images.length; i++) {\n")
                .append("    if (!images[i].complete || images[i].naturalWidth === 0) { ok = false; }\n")
                .append("  }\n")
                .append("  document.body.setAttribute('data-image-count', String(images.length));\n")
                .append("  document.body.setAttribute('data-images', ok ? 'loaded' : 'broken');\n")
                .append("});\n")
                .append("</script>\n")
                .append("<style>\n")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;")
                .append("max-width:1000px;padding:0 1em;color:#222}\n")
                .append("h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}\n")
                .append("table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;")
                .append("text-align:right}th{background:#f4f4f4}td.l,th.l{text-align:left}\n")
                .append("pre{background:#f7f7f7;border:1px solid #ddd;padding:.8em;overflow:auto;font-size:.85em}\n")
                .append("img{max-width:100%;height:auto;display:block;margin:.5em 0}\n")
                .append(".note{color:#8a6d3b;background:#fcf8e3;padding:.4em .8em;border:1px solid #faebcc}\n")
                .append("</style>\n</head>\n<body data-images=\"pending\">\n");
    }

    private void summary() {
        JournalRecord.Start start = journal.start();
        out.append("<h2 id=\"summary\">Summary</h2>\n<table>\n");
        row("Strategy", start.strategy());
        row("Seed", Long.toString(start.seed()));
        row("Objectives", String.join(", ", start.objectives()));
        row("Started", start.started());
        if (!journal.resumes().isEmpty()) {
            row("Resumed", String.join(", ", journal.resumes().stream().map(JournalRecord.Resume::at).toList()));
        }
        row("Evaluations", Long.toString(journal.evaluations().size())
                + " (" + journal.evaluations().stream().filter(JournalRecord.Evaluation::cached).count() + " cached)");
        boolean lastPartial = !journal.generations().isEmpty() && journal.generations().getLast().partial()
                && !rows.isEmpty() && rows.getLast().generation() == journal.generations().getLast().generation();
        row("Generations", rows.size() + (lastPartial ? " (the last one partial: the budget ran out during it)" : ""));
        row("State", journal.finish().map(f -> "finished (" + f.reason() + ")")
                .orElse("not finished: still running, or stopped (resume with evolve --resume)"));
        best.ifPresent(b -> row("Best", b.id() + ", fitness " + numbers(b.fitness().objectives())));
        out.append("</table>\n");
        if (journal.tornLastLine()) {
            out.append("<p class=\"note\">The journal's last line was cut short by an interrupted write and is not ")
                    .append("part of this report.</p>\n");
        }
    }

    private void plots() {
        out.append("<h2 id=\"plots\">Plots</h2>\n");
        image("fitness.png", "Best and mean fitness per generation (from " + rowsSource + ")");
        if (kinship.isPresent()) {
            JournalRecord.Kinship k = kinship.get();
            image("kinship.png", "Kinship (" + k.metric() + ") of " + k.ids().size() + " candidates, generation "
                    + k.generation());
        }
        if (lineage.isPresent()) {
            image("lineage.png", "Lineage of the best candidate: " + lineage.get().ancestors().size()
                    + " candidates" + (lineage.get().truncated() ? " (the oldest ancestors are left out)" : ""));
        }
    }

    private void image(String name, String caption) {
        byte[] png = images.get(name);
        if (png == null) {
            return;
        }
        out.append("<figure id=\"").append(name.replace(".png", "")).append("\">\n<img alt=\"")
                .append(escape(caption)).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\">\n<figcaption>").append(escape(caption))
                .append("</figcaption>\n</figure>\n");
    }

    private void bestCandidate() {
        if (best.isEmpty()) {
            out.append("<h2 id=\"best\">Best candidate</h2>\n<p>No candidate has been evaluated yet.</p>\n");
            return;
        }
        JournalRecord.Evaluation b = best.get();
        out.append("<h2 id=\"best\">Best candidate: ").append(escape(b.id())).append("</h2>\n<table>\n");
        row("Generation", Integer.toString(b.generation()));
        row("Parents", b.parents().isEmpty() ? "(none)" : String.join(", ", b.parents()));
        List<String> objectives = journal.start().objectives();
        for (int i = 0; i < b.fitness().size(); i++) {
            row("Fitness" + (i < objectives.size() ? ": " + objectives.get(i) : " " + (i + 1)),
                    number(b.fitness().objectives().get(i)));
        }
        if (Double.isFinite(b.seconds())) {
            row("Evaluation time", String.format(Locale.ROOT, "%.2f s", b.seconds()));
        }
        out.append("</table>\n");
        if (!b.metrics().isEmpty()) {
            out.append("<h3>Metrics</h3>\n<table>\n<tr><th class=\"l\">task</th><th class=\"l\">metric</th>")
                    .append("<th>value</th></tr>\n");
            b.metrics().forEach((task, values) -> values.forEach((metric, value) ->
                    out.append("<tr><td class=\"l\">").append(escape(task)).append("</td><td class=\"l\">")
                            .append(escape(metric)).append("</td><td>").append(number(value))
                            .append("</td></tr>\n")));
            out.append("</table>\n");
        }
        scoresAfterTheRun(b);
        out.append("<h3>Genome</h3>\n<pre>").append(escape(json(GenomeJson.write(b.genome())))).append("</pre>\n");
        recipe.ifPresent(r -> out.append("<h3>Recipe (best/recipe.yml)</h3>\n<pre>").append(escape(r))
                .append("</pre>\n"));
    }

    /**
     * {@code best-scores.json}: each score with its 95% percentile bootstrap interval over its items, seeded with the
     * run's seed; a task without per-item scores is shown without one.
     */
    private void scoresAfterTheRun(JournalRecord.Evaluation b) {
        if (bestScores.isEmpty()) {
            return;
        }
        BestScores scores = bestScores.get();
        out.append("<h3 id=\"scores\">Scores after the run (").append(BestScores.FILE).append(")</h3>\n");
        if (!scores.bestId().equals(b.id())) {
            out.append("<p class=\"note\">").append(BestScores.FILE).append(" scored candidate ")
                    .append(escape(scores.bestId())).append(", not the best candidate ").append(escape(b.id()))
                    .append(": score best/ again to see its scores here.</p>\n");
            return;
        }
        Bootstrap bootstrap = new Bootstrap(journal.start().seed());
        out.append("<table>\n<tr><th class=\"l\">task</th><th>items</th><th>score</th><th>95% interval</th></tr>\n");
        for (BestScores.TaskScores task : scores.tasks()) {
            String interval = "";
            if (!task.items().isEmpty()) {
                Interval i = bootstrap.mean(task.items().stream().mapToDouble(Double::doubleValue).toArray());
                interval = i.formatBounds(3);
            }
            out.append("<tr><td class=\"l\">").append(escape(task.name())).append("</td><td>")
                    .append(task.items().isEmpty() ? "" : Integer.toString(task.items().size())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.3f", task.score())).append("</td><td>").append(interval)
                    .append("</td></tr>\n");
        }
        out.append("</table>\n<p><small>95% interval: percentile bootstrap over the task's items (")
                .append(Bootstrap.DEFAULT_RESAMPLES).append(" resamples, seeded with the run's seed ")
                .append(journal.start().seed()).append(").</small></p>\n");
    }

    private void generations() {
        out.append("<h2 id=\"generations\">Generations</h2>\n");
        if (rows.isEmpty()) {
            out.append("<p>No generation has completed yet.</p>\n");
            return;
        }
        out.append("<table>\n<tr><th>generation</th><th>evaluations</th><th>best</th><th>mean</th><th>std</th>")
                .append("<th>worst</th><th>elapsed (s)</th></tr>\n");
        for (HistoryRow r : rows) {
            out.append("<tr><td>").append(r.generation()).append("</td><td>")
                    .append(r.evaluations() < 0 ? "" : Long.toString(r.evaluations())).append("</td><td>")
                    .append(number(r.best())).append("</td><td>").append(number(r.mean())).append("</td><td>")
                    .append(number(r.std())).append("</td><td>").append(number(r.worst())).append("</td><td>")
                    .append(Double.isFinite(r.elapsedSeconds())
                            ? String.format(Locale.ROOT, "%.1f", r.elapsedSeconds()) : "")
                    .append("</td></tr>\n");
        }
        out.append("</table>\n");
    }

    private void settings() {
        out.append("<h2 id=\"settings\">Run settings</h2>\n");
        if (runFile.isPresent()) {
            out.append("<pre>").append(escape(runFile.get())).append("</pre>\n");
        } else {
            out.append("<p>No run.yml in the run directory.</p>\n");
        }
    }

    private void row(String key, String value) {
        out.append("<tr><th class=\"l\">").append(escape(key)).append("</th><td class=\"l\">").append(escape(value))
                .append("</td></tr>\n");
    }

    static String numbers(List<Double> values) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            s.append(i == 0 ? "" : ", ").append(number(values.get(i)));
        }
        return s.append(']').toString();
    }

    static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "";
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            return String.valueOf(value);
        }
    }

    static String escape(String text) {
        StringBuilder s = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> s.append("&lt;");
                case '>' -> s.append("&gt;");
                case '&' -> s.append("&amp;");
                case '"' -> s.append("&quot;");
                case '\'' -> s.append("&#39;");
                default -> s.append(c);
            }
        }
        return s.toString();
    }
}
