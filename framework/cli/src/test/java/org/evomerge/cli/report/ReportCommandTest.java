package org.evomerge.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.evomerge.cli.CliEnvironment;
import org.evomerge.cli.ExitCodes;
import org.evomerge.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code evomerge report} and {@code evomerge kinship} argument handling, in-process. */
class ReportCommandTest {

    @TempDir
    Path temp;

    private record Run(int exitCode, String out, String err) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliEnvironment cli = new CliEnvironment(Optional.empty(), Map.of("XDG_CONFIG_HOME",
                temp.resolve("config").toString(), "XDG_CACHE_HOME", temp.resolve("cache").toString()), temp, temp,
                new PrintWriter(out, true), new PrintWriter(err, true));
        int code = Main.run(args, cli);
        return new Run(code, out.toString(), err.toString());
    }

    private Path runDirectory(String journal) throws Exception {
        Path dir = Files.createDirectories(temp.resolve("run"));
        Files.writeString(dir.resolve("journal.jsonl"), journal);
        return dir;
    }

    private static final String JOURNAL = """
            {"type":"start","version":1,"seed":9,"strategy":"random","objectives":["t"],"started":"now"}
            {"type":"evaluation","id":"g0-0","generation":0,"genome":{"kind":"parameters","values":[0.5]},"parents":[],"fitness":[0.25]}
            {"type":"evaluation","id":"g1-0","generation":1,"genome":{"kind":"parameters","values":[0.7]},"parents":["g0-0"],"fitness":[0.5]}
            {"type":"generation","generation":0,"evaluations":1,"best":0.25,"mean":0.25,"best_id":"g0-0","elapsed":1.0}
            {"type":"generation","generation":1,"evaluations":2,"best":0.5,"mean":0.5,"best_id":"g1-0","elapsed":2.0}
            {"type":"finish","best_id":"g1-0","best_fitness":[0.5],"reason":"budget"}
            """;

    @Test
    void writesTheReportOfARunDirectory() throws Exception {
        Path dir = runDirectory(JOURNAL);
        Run run = run("report", "run", "--json");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("\"report\" : \"" + dir.resolve("report.html") + "\""), run.out());
        assertTrue(run.out().contains("\"finished\" : true"), run.out());
        assertTrue(Files.size(dir.resolve("plots/fitness.png")) > 1000);
        assertTrue(Files.size(dir.resolve("plots/lineage.png")) > 1000);
        assertFalse(Files.exists(dir.resolve("plots/kinship.png")));
    }

    @Test
    void aStagedRunIsReportedStageByStage() throws Exception {
        Path dir = Files.createDirectories(temp.resolve("run"));
        Path ps = Files.createDirectories(dir.resolve("stages/1-ps"));
        Files.writeString(ps.resolve("journal.jsonl"), JOURNAL);
        Files.createDirectories(ps.resolve("best"));
        Path dfs = Files.createDirectories(dir.resolve("stages/2-dfs"));
        Files.writeString(dfs.resolve("journal.jsonl"), JOURNAL.lines().limit(2)
                .map(l -> l + "\n").reduce("", String::concat));

        Run text = run("report", "run");
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("wrote " + dir.resolve("report.html") + "\n"), text.out());
        assertTrue(text.out().contains("stage 1 ps: 2 evaluations, best g1-0 [0.5], finished (budget), model "
                + ps.resolve("best") + "\n"), text.out());
        assertTrue(text.out().contains("stage 2 dfs: 1 evaluation, best g0-0 [0.25], not finished\n"), text.out());
        assertTrue(Files.isRegularFile(ps.resolve("report.html")));

        Run json = run("report", "run", "--json");
        assertEquals(0, json.exitCode(), json.err());
        assertTrue(json.out().contains("\"evaluations\" : 3,"), json.out());
        assertTrue(json.out().contains("\"finished\" : false,"), json.out());
        assertTrue(json.out().contains("\"name\" : \"dfs\""), json.out());
        assertTrue(json.out().contains("\"state\" : \"not finished\""), json.out());
    }

    @Test
    void notARunDirectoryOrABrokenJournalIsBadInput() throws Exception {
        Files.createDirectories(temp.resolve("plain"));
        Run run = run("report", "plain");
        assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().startsWith("evomerge: error: ")
                && run.err().contains("plain: not a run directory (no journal.jsonl)"), run.err());

        Path dir = runDirectory(JOURNAL.replace("\"generation\":1,\"genome\"", "\"generation\":\"one\",\"genome\""));
        run = run("report", "run");
        assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().contains(dir.resolve("journal.jsonl") + ":3: evaluation line without an integer"
                + " \"generation\""), run.err());
    }

    /** A finished one-generation run in {@code dir} with {@code fitness}; best-scores.json when {@code items}. */
    private static Path scoredRun(Path dir, long seed, String strategy, double[] fitness, double[]... items)
            throws Exception {
        Files.createDirectories(dir);
        StringBuilder journal = new StringBuilder("{\"type\":\"start\",\"version\":2,\"seed\":" + seed
                + ",\"strategy\":\"" + strategy + "\",\"objectives\":[\"weighted\"],\"extensions\":[],"
                + "\"started\":\"now\"}\n");
        int best = 0;
        for (int i = 0; i < fitness.length; i++) {
            journal.append("{\"type\":\"evaluation\",\"id\":\"g1-").append(i).append("\",\"generation\":1,")
                    .append("\"genome\":{\"kind\":\"parameters\",\"values\":[0]},\"parents\":[],\"fitness\":[")
                    .append(fitness[i]).append("]}\n");
            best = fitness[i] > fitness[best] ? i : best;
        }
        journal.append("{\"type\":\"finish\",\"best_id\":\"g1-").append(best).append("\",\"best_fitness\":[")
                .append(fitness[best]).append("],\"reason\":\"budget\"}\n");
        Files.writeString(dir.resolve("journal.jsonl"), journal);
        if (items.length > 0) {
            StringBuilder scores = new StringBuilder("{\"format\":1,\"best_id\":\"g1-" + best + "\",\"tasks\":[");
            for (int t = 0; t < items.length; t++) {
                double sum = java.util.Arrays.stream(items[t]).sum();
                scores.append(t == 0 ? "" : ",").append("{\"name\":\"").append((char) ('a' + t))
                        .append("-test\",\"score\":").append(sum / items[t].length).append(",\"items\":")
                        .append(java.util.Arrays.toString(items[t])).append("}");
            }
            Files.writeString(dir.resolve("best-scores.json"), scores.append("]}\n"));
        }
        return dir;
    }

    /**
     * runs/alpha (fitness 0.6; a-test 1 1 1 0, b-test 1 0 1 1 0 1: combined (3/4 + 4/6) / 2 = 0.708), runs/beta
     * (0.4; 1 0 0 0, 1 0 1 0 0 1: 0.375, difference -0.333, discordant 0 against 3, McNemar p = 2/8 = 0.25),
     * runs/ps-dfs (staged: ps then dfs, 2 + 1 evaluations, best 0.5, the same items as alpha: difference 0, p 1) and
     * runs/unscored (0.9, no best-scores.json).
     */
    private Path runsFolder() throws Exception {
        Path runs = temp.resolve("runs");
        scoredRun(runs.resolve("alpha"), 7, "cma-es", new double[] {0.2, 0.6},
                new double[] {1, 1, 1, 0}, new double[] {1, 0, 1, 1, 0, 1});
        scoredRun(runs.resolve("beta"), 9, "differential-evolution", new double[] {0.4},
                new double[] {1, 0, 0, 0}, new double[] {1, 0, 1, 0, 0, 1});
        scoredRun(runs.resolve("ps-dfs/stages/1-ps"), 7, "cma-es", new double[] {0.1, 0.3});
        scoredRun(runs.resolve("ps-dfs/stages/2-dfs"), 7, "cma-es", new double[] {0.5},
                new double[] {1, 1, 1, 0}, new double[] {1, 0, 1, 1, 0, 1});
        scoredRun(runs.resolve("unscored"), 7, "genetic", new double[] {0.9});
        Files.writeString(runs.resolve("alpha.yml"), "strategy: cma-es\n");
        return runs;
    }

    @Test
    void aFolderOfRunsIsComparedRunByRun() throws Exception {
        Path runs = runsFolder();
        Run text = run("report", "runs");
        assertEquals(0, text.exitCode(), text.err());
        for (String name : new String[] {"alpha", "beta", "ps-dfs", "unscored"}) {
            assertTrue(text.out().contains("wrote " + runs.resolve(name).resolve("report.html") + "\n"), text.out());
        }
        assertTrue(Files.isRegularFile(runs.resolve("ps-dfs/stages/2-dfs/report.html")));
        assertTrue(text.out().contains("wrote " + runs.resolve("comparison.html") + "\n"), text.out());
        String[] lines = text.out().lines().toArray(String[]::new);
        String header = java.util.Arrays.stream(lines).filter(l -> l.startsWith("RUN ")).findFirst().orElseThrow();
        assertTrue(header.matches("RUN +STRATEGY +EVALUATIONS +BEST FITNESS \\(DEV\\) +A-TEST +B-TEST +COMBINED"
                + " +DIFFERENCE TO ALPHA +MCNEMAR P"), header);
        assertTrue(text.out().contains("alpha *"), text.out());
        String beta = line(lines, "beta ");
        assertTrue(beta.matches("beta +differential-evolution +1 +0\\.400 +0\\.25 \\[[0-9., ]+\\]"
                + " +0\\.50 \\[[0-9., ]+\\] +0\\.375 \\[[0-9., ]+\\] +-0\\.333 \\[-[0-9.]+, [-+][0-9.]+\\] +0\\.250 \\(0 vs 3\\)"), beta);
        String staged = line(lines, "ps-dfs ");
        assertTrue(staged.matches("ps-dfs +cma-es \\(stages ps 2, dfs 1\\) +3 +0\\.500 .* \\+0\\.000 \\[\\+0\\.000,"
                + " \\+0\\.000\\] +1\\.000 \\(0 vs 0\\)"), staged);
        assertTrue(text.out().contains("unscored: not paired, no best-scores.json in unscored\n"), text.out());
        String page = Files.readString(runs.resolve("comparison.html"));
        assertTrue(page.contains("<td>0.250 (0 vs 3)</td>"), page);

        Run json = run("report", "runs", "--json");
        assertEquals(0, json.exitCode(), json.err());
        assertTrue(json.out().contains("\"reference\" : \"alpha\""), json.out());
        assertTrue(json.out().contains("\"combined_tasks\" : [ \"a-test\", \"b-test\" ]"), json.out());
        assertTrue(json.out().contains("\"only_run\" : 0,"), json.out());
        assertTrue(json.out().contains("\"only_reference\" : 3"), json.out());
        assertTrue(json.out().contains("\"mcnemar_p\" : 0.25,"), json.out());
        assertTrue(json.out().contains("\"unpaired\" : \"no best-scores.json in unscored\""), json.out());
        assertTrue(json.out().contains("\"page\" : \"" + runs.resolve("comparison.html") + "\""), json.out());
    }

    private static String line(String[] lines, String start) {
        return java.util.Arrays.stream(lines).filter(l -> l.startsWith(start)).findFirst().orElseThrow();
    }

    @Test
    void severalRunDirectoriesWriteTheComparisonWhereOutSays() throws Exception {
        Path runs = runsFolder();
        Run text = run("report", "runs/beta", "runs/alpha", "--out", "cmp/page.html");
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(Files.isRegularFile(temp.resolve("cmp/page.html")));
        assertFalse(Files.exists(runs.resolve("comparison.html")));
        String[] lines = text.out().lines().toArray(String[]::new);
        assertTrue(line(lines, "beta ").contains("0.250 (0 vs 3)"), text.out());

        Run folder = run("report", "runs/beta", "runs/alpha", "--out", "runs");
        assertEquals(0, folder.exitCode(), folder.err());
        assertTrue(Files.isRegularFile(runs.resolve("comparison.html")));
    }

    @Test
    void aBadRunStopsTheComparisonBeforeAnyPage() throws Exception {
        Path runs = runsFolder();
        Files.writeString(runs.resolve("beta/best-scores.json"), "{\"format\":1,\"best_id\":\"g1-0\","
                + "\"tasks\":[{\"name\":\"a-test\",\"score\":0.5,\"items\":[1,\"x\"]}]}");
        Run run = run("report", "runs");
        assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().contains(runs.resolve("beta/best-scores.json") + ": tasks[0].items[1] must be a number"),
                run.err());
        assertFalse(Files.exists(runs.resolve("comparison.html")));
        assertFalse(Files.exists(runs.resolve("alpha/report.html")), "no run's report before every run was read");

        Run notARun = run("report", "runs/alpha", "runs");
        assertEquals(ExitCodes.BAD_INPUT, notARun.exitCode(), notARun.err());
        assertTrue(notARun.err().contains("runs: not a run directory (no journal.jsonl)"), notARun.err());

        Run twice = run("report", "runs/alpha", "runs/alpha/");
        assertEquals(ExitCodes.USAGE_ERROR, twice.exitCode(), twice.err());
        assertTrue(twice.err().contains("RUN_DIR given twice"), twice.err());

        Run outAlone = run("report", "runs/alpha", "--out", "x.html");
        assertEquals(ExitCodes.USAGE_ERROR, outAlone.exitCode(), outAlone.err());
        assertTrue(outAlone.err().contains("--out names the comparison page"), outAlone.err());
        assertFalse(Files.exists(temp.resolve("x.html")));
    }

    @Test
    void kinshipNeedsTwoModelsAndAbsoluteOnlyWithCosine() {
        Run one = run("kinship", "--base", "b", "m1");
        assertEquals(ExitCodes.USAGE_ERROR, one.exitCode(), one.err());
        Run absolute = run("kinship", "--base", "b", "m1", "m2", "--absolute");
        assertEquals(ExitCodes.USAGE_ERROR, absolute.exitCode(), absolute.err());
        assertTrue(absolute.err().contains("--absolute applies only to --metric cosine"), absolute.err());
        Run metric = run("kinship", "--base", "b", "m1", "m2", "--metric", "manhattan");
        assertEquals(ExitCodes.USAGE_ERROR, metric.exitCode(), metric.err());
        Run missing = run("kinship", "--base", "b", "m1", "m2", "--metric", "COSINE");
        assertEquals(ExitCodes.BAD_INPUT, missing.exitCode(), missing.err());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }
}
