package org.evomerge.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.evomerge.api.EvomergeException;
import org.evomerge.runfolder.BestScores;
import org.evomerge.statistics.Bootstrap;
import org.evomerge.statistics.Interval;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RunComparison} over small run folders written here, with the paired columns worked out by hand:
 *
 * <pre>
 *            fitness  a-test     b-test          combined
 * alpha      0.6      1 1 1 0    1 0 1 1 0 1     (3/4 + 4/6) / 2 = 0.708333   reference
 * beta       0.4      1 0 0 0    1 0 1 0 0 1     (1/4 + 3/6) / 2 = 0.375      -0.333333, only beta 0, only alpha 3
 * staged     0.55     1 1 0 0    1 1 1 1 1 1     (2/4 + 6/6) / 2 = 0.75       +0.041667, only staged 2, only alpha 1
 * unscored   0.9      no best-scores.json
 * </pre>
 *
 * McNemar, exact: 0 against 3 discordant items gives p = 2 * (1/2)^3 = 0.25; 2 against 1 gives
 * min(1, 2 * (1 + 3) / 8) = 1.
 */
class RunComparisonTest {

    @TempDir
    Path temp;

    static final double[] ALPHA_A = {1, 1, 1, 0};
    static final double[] ALPHA_B = {1, 0, 1, 1, 0, 1};
    static final double[] BETA_A = {1, 0, 0, 0};
    static final double[] BETA_B = {1, 0, 1, 0, 0, 1};

    /** A journal of one generation holding {@code fitness}, finished with the best of them. */
    static String journal(long seed, String strategy, double... fitness) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "{\"type\":\"start\",\"version\":2,\"seed\":%d,"
                + "\"strategy\":\"%s\",\"objectives\":[\"weighted\"],\"extensions\":[],\"started\":\"now\"}%n",
                seed, strategy));
        int best = 0;
        for (int i = 0; i < fitness.length; i++) {
            s.append(String.format(Locale.ROOT, "{\"type\":\"evaluation\",\"id\":\"g1-%d\",\"generation\":1,"
                    + "\"genome\":{\"kind\":\"parameters\",\"values\":[%d]},\"parents\":[],\"fitness\":[%s]}%n",
                    i, i, fitness[i]));
            best = fitness[i] > fitness[best] ? i : best;
        }
        s.append(String.format(Locale.ROOT, "{\"type\":\"finish\",\"best_id\":\"g1-%d\",\"best_fitness\":[%s],"
                + "\"reason\":\"budget\"}%n", best, fitness[best]));
        return s.toString();
    }

    static Path run(Path dir, String journal) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("journal.jsonl"), journal);
        return dir;
    }

    static void scores(Path dir, String bestId, double[]... tasks) {
        List<BestScores.TaskScores> list = new ArrayList<>();
        list.add(new BestScores.TaskScores("a-dev", 0.5, List.of(1.0, 0.0)));
        String[] names = {"a-test", "b-test"};
        for (int t = 0; t < tasks.length; t++) {
            List<Double> items = new ArrayList<>();
            double sum = 0;
            for (double v : tasks[t]) {
                items.add(v);
                sum += v;
            }
            list.add(new BestScores.TaskScores(names[t], sum / items.size(), items));
        }
        new BestScores(bestId, list).write(dir);
    }

    /** alpha, beta, staged and unscored in {@code root}. */
    static List<Path> runs(Path root) throws IOException {
        Path alpha = run(root.resolve("alpha"), journal(7, "cma-es", 0.2, 0.6, 0.5));
        scores(alpha, "g1-1", ALPHA_A, ALPHA_B);
        Path beta = run(root.resolve("beta"), journal(9, "differential-evolution", 0.3, 0.4));
        scores(beta, "g1-1", BETA_A, BETA_B);
        Path staged = Files.createDirectories(root.resolve("staged"));
        Path ps = run(staged.resolve("stages/1-ps"), journal(7, "cma-es", 0.1, 0.3));
        scores(ps, "g1-1", ALPHA_A, ALPHA_B);
        Path dfs = run(staged.resolve("stages/2-dfs"), journal(7, "layer-path-cma", 0.35, 0.55));
        scores(dfs, "g1-1", new double[] {1, 1, 0, 0}, new double[] {1, 1, 1, 1, 1, 1});
        Path unscored = run(root.resolve("unscored"), journal(7, "genetic", 0.1, 0.9));
        return List.of(alpha, beta, staged, unscored);
    }

    @Test
    void pairsEveryScoredRunWithTheBestOneOnTheSameItems() throws IOException {
        RunComparison comparison = RunComparison.of(runs(temp));
        List<RunComparison.Row> rows = comparison.rows();
        assertEquals(List.of("alpha", "beta", "staged", "unscored"), rows.stream().map(RunComparison.Row::name)
                .toList());
        // unscored has the highest fitness but nothing to pair: the reference is the best of the scored runs.
        assertEquals("alpha", comparison.reference().orElseThrow().name());
        assertEquals(List.of("a-test", "b-test"), comparison.combinedTasks());
        assertEquals(7L, comparison.pairedSeed().orElseThrow());

        RunComparison.Row alpha = rows.get(0);
        assertTrue(alpha.reference());
        assertTrue(alpha.paired().isEmpty() && alpha.unpaired().isEmpty());
        assertEquals((0.75 + 4.0 / 6) / 2, alpha.combined().orElseThrow().estimate(), 1e-12);

        RunComparison.Row beta = rows.get(1);
        RunComparison.Paired p = beta.paired().orElseThrow();
        assertEquals(0.375 - (0.75 + 4.0 / 6) / 2, p.difference().estimate(), 1e-12);
        assertEquals(0, p.mcNemar().orElseThrow().onlyA());
        assertEquals(3, p.mcNemar().orElseThrow().onlyB());
        assertEquals(0.25, p.mcNemar().orElseThrow().pValue(), 1e-15);
        // The interval is the statistics module's paired bootstrap, seeded with the reference's seed.
        Interval expected = new Bootstrap(7).pairedDifferenceOfStrata(List.of(BETA_A, BETA_B),
                List.of(ALPHA_A, ALPHA_B));
        assertEquals(expected, p.difference());
        assertTrue(p.difference().upper() < 0, p.difference().toString());
        // Per-task intervals use the run's own seed, as its own report page does.
        RunComparison.TaskScore betaA = beta.tasks().stream().filter(t -> t.name().equals("a-test")).findFirst()
                .orElseThrow();
        Interval own = new Bootstrap(9).mean(BETA_A);
        assertEquals(4, betaA.items());
        assertEquals(0.25, betaA.score().estimate(), 1e-12);
        assertEquals(own.lower(), betaA.score().lower());
        assertEquals(own.upper(), betaA.score().upper());
        assertEquals(new Bootstrap(9).meanOfStrata(List.of(BETA_A, BETA_B)).upper(),
                beta.combined().orElseThrow().upper());
    }

    @Test
    void aStagedRunIsItsLastStageWithTheEvaluationsOfEveryStage() throws IOException {
        RunComparison.Row staged = RunComparison.of(runs(temp)).rows().get(2);
        assertEquals(4, staged.evaluations());
        assertEquals("layer-path-cma", staged.strategy());
        assertEquals(0.55, staged.bestFitness(), 1e-12);
        assertEquals(List.of("ps", "dfs"), staged.stages().stream().map(RunComparison.Stage::name).toList());
        assertEquals(List.of(2, 2), staged.stages().stream().map(RunComparison.Stage::evaluations).toList());
        assertEquals(List.of(new RunComparison.Point(1, 0.1), new RunComparison.Point(2, 0.3),
                new RunComparison.Point(3, 0.35), new RunComparison.Point(4, 0.55)), staged.curve());
        RunComparison.Paired p = staged.paired().orElseThrow();
        assertEquals(0.75 - (0.75 + 4.0 / 6) / 2, p.difference().estimate(), 1e-12);
        assertEquals(2, p.mcNemar().orElseThrow().onlyA());
        assertEquals(1, p.mcNemar().orElseThrow().onlyB());
        assertEquals(1.0, p.mcNemar().orElseThrow().pValue());
        assertEquals("2 dfs: layer-path-cma, 2 evaluations, best 0.550", ComparisonPage.stageText(
                staged.stages().get(1)));
    }

    @Test
    void runsThatCannotBePairedSayWhy() throws IOException {
        List<Path> dirs = new ArrayList<>(runs(temp));
        Path fewer = run(temp.resolve("fewer"), journal(7, "cma-es", 0.3));
        scores(fewer, "g1-0", new double[] {1, 0, 1}, BETA_B);
        Path stale = run(temp.resolve("stale"), journal(7, "cma-es", 0.3, 0.35));
        scores(stale, "g1-0", BETA_A, BETA_B);
        Path fractional = run(temp.resolve("fractional"), journal(7, "cma-es", 0.3));
        scores(fractional, "g1-0", new double[] {0.5, 1, 1, 0}, BETA_B);
        dirs.addAll(List.of(fewer, stale, fractional));

        List<RunComparison.Row> rows = RunComparison.of(dirs).rows();
        assertEquals("no best-scores.json in unscored", rows.get(3).unpaired().orElseThrow());
        assertTrue(rows.get(3).tasks().isEmpty() && rows.get(3).combined().isEmpty());
        assertEquals("a-test has 3 items, alpha's 4", rows.get(4).unpaired().orElseThrow());
        assertEquals("best-scores.json scored g1-0, not the best candidate g1-1", rows.get(5).unpaired()
                .orElseThrow());
        assertTrue(rows.get(5).tasks().isEmpty(), "a stale file's scores are not shown as the best's");
        // Scores that are not 0/1 get the paired interval but no McNemar test.
        RunComparison.Paired fraction = rows.get(6).paired().orElseThrow();
        assertTrue(fraction.mcNemar().isEmpty());
        assertEquals((2.5 / 4 + 0.5) / 2 - (0.75 + 4.0 / 6) / 2, fraction.difference().estimate(), 1e-12);
    }

    @Test
    void withoutAnyScoredRunNothingIsPaired() throws IOException {
        Path a = run(temp.resolve("a"), journal(1, "cma-es", 0.2));
        Path b = run(temp.resolve("b"), journal(1, "cma-es", 0.3));
        RunComparison comparison = RunComparison.of(List.of(a, b));
        assertTrue(comparison.reference().isEmpty());
        assertTrue(comparison.combinedTasks().isEmpty());
        assertEquals("no best-scores.json in b", comparison.rows().get(1).unpaired().orElseThrow());
        Path page = temp.resolve("out/comparison.html");
        comparison.write(page);
        assertTrue(Files.readString(page).contains("No run has per-item scores"));
    }

    @Test
    void thePageHasARowPerRunTheChartAndLinksToEachReport() throws IOException {
        RunComparison comparison = RunComparison.of(runs(temp));
        Path page = temp.resolve("comparison.html");
        comparison.write(page);
        String html = Files.readString(page);
        assertTrue(html.contains("<a href=\"alpha/report.html\"><b>alpha</b></a>"), html);
        assertTrue(html.contains("<a href=\"staged/report.html\">staged</a>"), html);
        assertTrue(html.contains("1 ps: cma-es, 2 evaluations, best 0.300<br>2 dfs: layer-path-cma, 2 evaluations,"
                + " best 0.550"), html);
        assertTrue(html.contains("<td>-0.333 ["), html);
        assertTrue(html.contains("<td>0.250 (0 vs 3)</td>"), html);
        assertTrue(html.contains("no best-scores.json in unscored"), html);
        assertTrue(html.contains("<th>a-dev</th><th>a-test</th><th>b-test</th>"), html);
        assertTrue(html.contains("src=\"data:image/png;base64,"), html);
        try (var files = Files.list(temp)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void theChartDrawsEveryRunInItsOwnColour() throws IOException {
        byte[] png = RunCharts.png(RunCharts.bestSoFar(RunComparison.of(runs(temp))), RunCharts.WIDTH,
                RunCharts.HEIGHT);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        // The first four line colours, in run order: alpha, beta, staged, unscored.
        int[] colours = {0xC0392B, 0x2471A3, 0x229954, 0xD68910};
        int[] counts = new int[colours.length];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                for (int c = 0; c < colours.length; c++) {
                    counts[c] += rgb == colours[c] ? 1 : 0;
                }
            }
        }
        for (int c = 0; c < colours.length; c++) {
            assertTrue(counts[c] > 100, "run " + c + ": " + counts[c] + " pixels of its colour");
        }
    }

    @Test
    void theFolderFormFindsTheRunFoldersByName() throws IOException {
        runs(temp.resolve("runs"));
        Files.createDirectories(temp.resolve("runs/not-a-run"));
        Files.writeString(temp.resolve("runs/alpha.yml"), "strategy: cma-es\n");
        assertEquals(List.of("alpha", "beta", "staged", "unscored"), RunComparison.runFolders(temp.resolve("runs"))
                .stream().map(p -> p.getFileName().toString()).toList());
        assertTrue(RunComparison.runFolders(temp.resolve("runs/alpha")).isEmpty(), "a run folder is not a folder"
                + " of runs");
        assertTrue(RunComparison.runFolders(temp.resolve("runs/staged")).isEmpty());
    }

    @Test
    void aFolderThatIsNoRunIsBadInput() throws IOException {
        List<Path> dirs = new ArrayList<>(runs(temp));
        dirs.add(Files.createDirectories(temp.resolve("plain")));
        EvomergeException e = assertThrows(EvomergeException.class, () -> RunComparison.of(dirs));
        assertTrue(e.getMessage().endsWith("plain: not a run directory (no journal.jsonl)"), e.getMessage());
    }
}
