package org.evomerge.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.runfolder.BestScores;
import org.evomerge.runfolder.Journal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {

    @TempDir
    Path temp;

    @Test
    void writesThreePlotsAndASelfContainedPage() throws IOException {
        SyntheticRun run = new SyntheticRun(5, 6);
        Path dir = run.write(temp.resolve("run"), true, true, true);
        RunReport.Written written = RunReport.write(dir);

        assertEquals(List.of(dir.resolve("plots/fitness.png"), dir.resolve("plots/kinship.png"),
                dir.resolve("plots/lineage.png")), written.plots());
        for (Path png : written.plots()) {
            BufferedImage image = ImageIO.read(png.toFile());
            assertTrue(image.getWidth() >= 600 && image.getHeight() >= 400, png + " " + image.getWidth());
        }
        String html = Files.readString(written.html());
        // Self-contained: three embedded PNGs, nothing fetched from elsewhere.
        Matcher images = Pattern.compile("<img [^>]*src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        int count = 0;
        while (images.find()) {
            byte[] png = Base64.getDecoder().decode(images.group(1));
            assertTrue(ImageIO.read(new ByteArrayInputStream(png)).getWidth() > 0);
            count++;
        }
        assertEquals(3, count);
        assertFalse(Pattern.compile("(src|href)=\"(?!data:)").matcher(html).find(), "external reference in page");
        // The best candidate, its metrics and genome, the recipe, every generation and the run settings.
        assertTrue(html.contains("Best candidate: " + run.bestId()), html);
        assertTrue(html.contains("merge_method: slerp"));
        assertTrue(html.contains("&quot;kind&quot; : &quot;parameters&quot;"), "genome shown as JSON");
        assertTrue(html.contains("<td class=\"l\">arithmetic</td><td class=\"l\">accuracy</td>"));
        for (int g = 0; g < 5; g++) {
            assertTrue(html.contains("<tr><td>" + g + "</td><td>" + (g + 1) * 6 + "</td>"), "generation " + g);
        }
        assertTrue(html.contains("finished (budget)"));
        // The run file is shown as text, never as markup.
        assertTrue(html.contains("&lt;script&gt;alert(&#39;not run&#39;)&lt;/script&gt;"));
        assertFalse(html.contains("<script>alert"));
        // Nothing left behind under temporary names.
        try (var files = Files.walk(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp-")));
        }
    }

    /** A staged run (PS+DFS): each stage's report, and a page with a row per stage and its fitness plot. */
    @Test
    void aStagedRunShowsEachStage() throws IOException {
        Path dir = temp.resolve("run");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("run.yml"), "stages:\n  - name: ps\n  - name: dfs\n");
        SyntheticRun ps = new SyntheticRun(3, 4);
        ps.write(dir.resolve("stages/1-ps"), false, true, true);
        SyntheticRun dfs = new SyntheticRun(2, 5);
        Path going = dfs.write(dir.resolve("stages/2-dfs"), false, false, true);
        Files.delete(going.resolve("best/recipe.yml"));
        Files.delete(going.resolve("best"));

        RunReport.Written written = RunReport.write(dir);
        assertEquals(dir.resolve("report.html"), written.html());
        assertEquals(List.of("ps", "dfs"), written.stages().stream().map(RunReport.StageSummary::name).toList());
        RunReport.StageSummary first = written.stages().getFirst();
        assertEquals(12, first.evaluations());
        assertEquals(ps.bestId(), first.best().orElseThrow().id());
        assertEquals("finished (budget)", first.state());
        assertEquals(dir.resolve("stages/1-ps/best"), first.model().orElseThrow());
        RunReport.StageSummary second = written.stages().get(1);
        assertEquals(10, second.evaluations());
        assertEquals("not finished", second.state());
        assertTrue(second.model().isEmpty());
        assertTrue(Files.isRegularFile(dir.resolve("stages/1-ps/report.html")));
        assertTrue(Files.isRegularFile(dir.resolve("stages/2-dfs/plots/fitness.png")));

        String html = Files.readString(written.html());
        assertTrue(html.contains("<h2 id=\"stages\">Stages</h2>"), html);
        assertTrue(html.contains("<tr><td>1</td><td class=\"l\">ps</td><td>12</td><td class=\"l\">" + ps.bestId()
                + "</td>"), html);
        assertTrue(html.contains("<td class=\"l\">finished (budget)</td><td class=\"l\">stages/1-ps/best</td>"),
                html);
        assertTrue(html.contains("<tr><td>2</td><td class=\"l\">dfs</td><td>10</td>"), html);
        assertTrue(html.contains("<td class=\"l\">not finished</td><td class=\"l\"></td>"), html);
        assertTrue(html.contains("<a href=\"stages/2-dfs/report.html\">stages/2-dfs</a>"), html);
        Matcher images = Pattern.compile("<img [^>]*src=\"data:image/png;base64,").matcher(html);
        int count = 0;
        while (images.find()) {
            count++;
        }
        assertEquals(2, count, "one fitness plot per stage");
        // A stage that has not started yet is listed too.
        Files.createDirectories(dir.resolve("stages/3-more"));
        RunReport.StageSummary third = RunReport.write(dir).stages().get(2);
        assertEquals("not started", third.state());
        assertEquals(0, third.evaluations());
    }

    @Test
    void theBestModelsScoresAfterTheRunShowTheirBootstrapIntervals() throws IOException {
        SyntheticRun run = new SyntheticRun(3, 4);
        Path dir = run.write(temp.resolve("run"), true, false, true);
        String withoutScores = Files.readString(RunReport.write(dir).html());
        assertFalse(withoutScores.contains("Scores after the run"), "an older run folder reads as before");
        List<Double> fiveOfTen = List.of(1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        new BestScores(run.bestId(), List.of(new BestScores.TaskScores("arithmetic-test", 0.5, fiveOfTen),
                new BestScores.TaskScores("perplexity", -3.5, List.of()))).write(dir);
        String html = Files.readString(RunReport.write(dir).html());
        // 5 of 10: the bootstrap distribution is Binomial(10, 1/2) / 10, 2.5% and 97.5% quantiles 0.2 and 0.8
        assertTrue(html.contains("<tr><td class=\"l\">arithmetic-test</td><td>10</td><td>0.500</td>"
                + "<td>[0.200, 0.800]</td></tr>"), html);
        assertTrue(html.contains("<tr><td class=\"l\">perplexity</td><td></td><td>-3.500</td><td></td></tr>"));
        new BestScores("g0-0", List.of()).write(dir);
        assertTrue(Files.readString(RunReport.write(dir).html()).contains("scored candidate g0-0, not the best"));
    }

    @Test
    void fitnessPlotShowsTheBestCurveInItsColour() throws IOException {
        Path dir = new SyntheticRun(4, 4).write(temp.resolve("run"), false, true, true);
        RunReport.write(dir);
        BufferedImage image = ImageIO.read(dir.resolve("plots/fitness.png").toFile());
        int best = 0;
        int mean = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                best += rgb == 0xC0392B ? 1 : 0;
                mean += rgb == 0x2471A3 ? 1 : 0;
            }
        }
        assertTrue(best > 200 && mean > 200, "best pixels " + best + ", mean pixels " + mean);
    }

    @Test
    void withoutKinshipLinesThereIsNoHeatmapAndAStaleOneIsRemoved() throws IOException {
        Path dir = new SyntheticRun(3, 4).write(temp.resolve("run"), false, false, false);
        Files.createDirectories(dir.resolve("plots"));
        Files.write(dir.resolve("plots/kinship.png"), new byte[] {1, 2, 3});
        RunReport.Written written = RunReport.write(dir);
        assertEquals(List.of(dir.resolve("plots/fitness.png"), dir.resolve("plots/lineage.png")), written.plots());
        assertFalse(Files.exists(dir.resolve("plots/kinship.png")));
        String html = Files.readString(written.html());
        assertTrue(html.contains("not finished"));
        // Without history.csv, the generation rows come from the journal.
        assertTrue(html.contains("from journal.jsonl"));
    }

    @Test
    void aTornLastLineIsIgnoredAndNoted() throws IOException {
        SyntheticRun run = new SyntheticRun(3, 4);
        Path dir = run.write(temp.resolve("run"), true, false, true);
        Files.writeString(dir.resolve("journal.jsonl"), "{\"type\":\"evaluation\",\"id\":\"g3-0\",\"gener",
                StandardOpenOption.APPEND);
        RunReport.Written written = RunReport.write(dir);
        assertTrue(written.journal().tornLastLine());
        assertEquals(12, written.journal().evaluations().size());
        assertTrue(Files.readString(written.html()).contains("cut short"));
    }

    @Test
    void aBrokenLineInsideTheJournalNamesFileAndLine() throws IOException {
        Path dir = new SyntheticRun(2, 3).write(temp.resolve("run"), false, false, false);
        List<String> lines = Files.readAllLines(dir.resolve("journal.jsonl"));
        lines.set(2, "{\"type\":\"evaluation\",\"id\":");
        Files.write(dir.resolve("journal.jsonl"), lines);
        EvomergeException e = assertThrows(EvomergeException.class, () -> RunReport.write(dir));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().contains("journal.jsonl:3: not valid JSON"), e.getMessage());

        lines.set(2, "{\"type\":\"evaluation\",\"generation\":0}");
        Files.write(dir.resolve("journal.jsonl"), lines);
        e = assertThrows(EvomergeException.class, () -> RunReport.write(dir));
        assertTrue(e.getMessage().contains("journal.jsonl:3: evaluation line without a text \"id\""),
                e.getMessage());

        lines.removeFirst();
        Files.write(dir.resolve("journal.jsonl"), lines);
        e = assertThrows(EvomergeException.class, () -> RunReport.write(dir));
        assertTrue(e.getMessage().contains("journal.jsonl:1: the journal must begin with a \"start\" line"),
                e.getMessage());
    }

    @Test
    void aFolderWithoutJournalIsNotARunDirectory() throws IOException {
        Path empty = Files.createDirectories(temp.resolve("empty"));
        EvomergeException e = assertThrows(EvomergeException.class, () -> RunReport.write(empty));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().contains("not a run directory (no journal.jsonl)"), e.getMessage());
        e = assertThrows(EvomergeException.class, () -> RunReport.write(temp.resolve("missing")));
        assertTrue(e.getMessage().contains("no such run directory"), e.getMessage());
        Files.writeString(empty.resolve("journal.jsonl"), "");
        e = assertThrows(EvomergeException.class, () -> RunReport.write(empty));
        assertTrue(e.getMessage().contains("empty journal"), e.getMessage());
    }

    @Test
    void aBadHistoryRowNamesFileAndLine() throws IOException {
        Path dir = new SyntheticRun(3, 3).write(temp.resolve("run"), false, false, true);
        List<String> lines = Files.readAllLines(dir.resolve("history.csv"));
        lines.set(2, "1,6,high,0.3,0.01,0.3,20.0");
        Files.write(dir.resolve("history.csv"), lines);
        EvomergeException e = assertThrows(EvomergeException.class, () -> RunReport.write(dir));
        assertTrue(e.getMessage().contains("history.csv:3: 'best' is not a number: 'high'"), e.getMessage());
    }

    @Test
    void withoutGenerationLinesTheBestIsTheBestEvaluation() throws IOException {
        Path file = temp.resolve("journal.jsonl");
        Files.writeString(file, """
                {"type":"start","version":1,"seed":1,"strategy":"random","objectives":["t"],"started":"x"}
                {"type":"evaluation","id":"a","generation":0,"genome":{"kind":"parameters","values":[0]},"fitness":[0.2]}
                {"type":"evaluation","id":"b","generation":0,"genome":{"kind":"parameters","values":[1]},"fitness":[0.6]}
                {"type":"evaluation","id":"c","generation":1,"genome":{"kind":"parameters","values":[2]},"parents":["a","b"],"fitness":[0.5]}
                """);
        assertEquals("b", RunReport.bestEvaluation(Journal.read(file)).orElseThrow().id());
    }

    /** A budget that ends inside a generation: that generation is counted once, and said to be partial. */
    @Test
    void aPartialLastGenerationIsCountedOnce() throws IOException {
        SyntheticRun run = new SyntheticRun(2, 3);
        Path dir = run.write(temp.resolve("run"), false, true, true);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(dir.resolve("journal.jsonl")));
        int last = lines.size() - 2;
        lines.set(last, lines.get(last).replace("}", ",\"partial\":true}"));
        Files.write(dir.resolve("journal.jsonl"), lines);
        String page = Files.readString(RunReport.write(dir).html());
        assertTrue(page.contains("<th class=\"l\">Generations</th><td class=\"l\">2 (the last one partial"), page);
    }

    @Test
    void lineageHoldsExactlyTheAncestorsOfTheBest() throws IOException {
        SyntheticRun run = new SyntheticRun(4, 5);
        Path dir = run.write(temp.resolve("run"), false, true, false);
        Journal journal = Journal.read(dir.resolve("journal.jsonl"));
        RunCharts.Lineage lineage = RunCharts.lineage(journal.evaluations(), run.bestId());
        Set<String> expected = new HashSet<>();
        Deque<String> queue = new ArrayDeque<>(List.of(run.bestId()));
        while (!queue.isEmpty()) {
            String id = queue.poll();
            if (expected.add(id)) {
                queue.addAll(run.parents.get(run.ids.indexOf(id)));
            }
        }
        assertEquals(expected, new HashSet<>(lineage.ancestors()));
        assertFalse(lineage.truncated());
    }

    @Test
    void aJournalLineOfATypeNoFormatHasIsAnErrorNamingTheLine() throws IOException {
        Path dir = new SyntheticRun(2, 3).write(temp.resolve("run"), false, false, false);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(dir.resolve("journal.jsonl")));
        lines.add(1, "{\"type\":\"checkpoint\",\"x\":1}");
        Files.write(dir.resolve("journal.jsonl"), lines);
        EvomergeException e = assertThrows(EvomergeException.class, () -> RunReport.write(dir));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().contains("journal.jsonl:2: unknown line type \"checkpoint\""), e.getMessage());
    }
}
