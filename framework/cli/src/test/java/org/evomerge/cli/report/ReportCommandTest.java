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
