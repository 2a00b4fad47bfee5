package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.evomerge.runfolder.RunFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run in its own JVM is killed with {@code destroyForcibly} (SIGKILL) in the middle, resumed in a new JVM, and its
 * journal compared with an uninterrupted run of the same run file: the same evaluations (ids, genomes, fitness,
 * parents, cache flags), none repeated, none lost.
 */
class KillAndResumeTest {

    @TempDir
    Path temp;

    private static final String RUN = EvolutionFixture.LINEAR_RUN
            .replace("parameters: {target: $TARGET}", "parameters: {target: $TARGET, delay_ms: 25}")
            .replace("evaluations: 24", "evaluations: 20");

    private Process start(Path runFile, Path runDir, String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), EvolutionProcessMain.class.getName(), temp.toString(),
                runFile.toString(), runDir.toString(), mode));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(temp.resolve(runDir.getFileName() + "-" + mode + ".log").toFile()).start();
    }

    private static long evaluationLines(Path runDir) throws Exception {
        return lines(runDir, "\"type\":\"evaluation\"");
    }

    private static long lines(Path runDir, String containing) throws Exception {
        Path journal = runDir.resolve(RunFolder.JOURNAL);
        if (!Files.exists(journal)) {
            return 0;
        }
        return Files.readAllLines(journal).stream().filter(l -> l.contains(containing)).count();
    }

    /** Starts a run, waits until {@code journaled} holds {@code evaluations} evaluation lines, kills it. */
    private void killOnce(Path runFile, Path runDir, String mode, Path journaled, long evaluations) throws Exception {
        Process process = start(runFile, runDir, mode);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (evaluationLines(journaled) < evaluations && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(process.isAlive(), "the run ended before it could be killed: "
                + Files.readString(temp.resolve(runDir.getFileName() + "-" + mode + ".log")));
        process.destroyForcibly().waitFor();
    }

    @Test
    void aKilledRunResumesWithNoEvaluationLostOrRepeated() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runFile = f.runFile("run.yml", RUN);

        // The uninterrupted reference runs in this JVM (same code, same seed): a third JVM would only add start-up time.
        Path reference = temp.resolve("reference");
        EvolutionFixture.run(runFile, reference, false, 2);

        Path killed = temp.resolve("killed");
        Process first = start(runFile, killed, "start");
        // Kill once a few evaluations are journaled: somewhere inside a generation, never at a clean boundary on purpose.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (evaluationLines(killed) < 7 && first.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(first.isAlive(), "the run ended before it could be killed: "
                + Files.readString(temp.resolve("killed-start.log")));
        first.destroyForcibly().waitFor();
        long before = evaluationLines(killed);
        assertTrue(before >= 7 && before < 20, "killed after " + before + " evaluations");
        assertTrue(Files.readAllLines(killed.resolve(RunFolder.JOURNAL)).stream().noneMatch(l -> l.contains("finish")));

        Process resumed = start(runFile, killed, "resume");
        assertTrue(resumed.waitFor(120, TimeUnit.SECONDS), "the resumed run did not end");
        assertEquals(0, resumed.exitValue(), Files.readString(temp.resolve("killed-resume.log")));

        assertEquals(EvolutionJobTest.evaluations(reference), EvolutionJobTest.evaluations(killed));
        List<String> lines = Files.readAllLines(killed.resolve(RunFolder.JOURNAL));
        assertEquals(1, lines.stream().filter(l -> l.contains("\"type\":\"resume\"")).count());
        assertEquals(1, lines.stream().filter(l -> l.contains("\"type\":\"finish\"")).count());
        assertEquals(Files.readAllLines(reference.resolve("history.csv")).size(),
                Files.readAllLines(killed.resolve("history.csv")).size());
        assertTrue(Files.exists(killed.resolve("best").resolve("recipe.yml")));
        assertTrue(new File(killed.toFile(), "run.yml").isFile());
    }

    /**
     * PS+DFS killed in its first stage, resumed and killed in its second, resumed to the end: each stage's journal
     * is the uninterrupted run's, the first stage resumed once and never again after it finished.
     */
    @Test
    void aStagedRunKilledInEachStageResumesWithNoEvaluationLostOrRepeated() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runFile = f.runFile("staged.yml", StagedRunTest.PS_DFS.replace("parameters: {target: $TARGET}",
                "parameters: {target: $TARGET, delay_ms: 25}"));
        Path reference = temp.resolve("reference");
        EvolutionFixture.run(runFile, reference, false, 2);

        Path killed = temp.resolve("killed");
        Path ps = killed.resolve(RunFolder.STAGES).resolve("1-ps");
        Path dfs = killed.resolve(RunFolder.STAGES).resolve("2-dfs");
        killOnce(runFile, killed, "start", ps, 5);
        assertTrue(evaluationLines(ps) < 12 && evaluationLines(dfs) == 0, evaluationLines(ps) + " in stage 1");
        killOnce(runFile, killed, "resume", dfs, 3);
        assertTrue(evaluationLines(dfs) < 12, evaluationLines(dfs) + " in stage 2");
        Process last = start(runFile, killed, "resume");
        assertTrue(last.waitFor(120, TimeUnit.SECONDS), "the resumed run did not end");
        assertEquals(0, last.exitValue(), Files.readString(temp.resolve("killed-resume.log")));

        for (String stage : List.of("1-ps", "2-dfs")) {
            Path resumed = killed.resolve(RunFolder.STAGES).resolve(stage);
            assertEquals(EvolutionJobTest.evaluations(reference.resolve(RunFolder.STAGES).resolve(stage)),
                    EvolutionJobTest.evaluations(resumed), stage);
            assertEquals(1, lines(resumed, "\"type\":\"resume\""), stage);
            assertEquals(1, lines(resumed, "\"type\":\"finish\""), stage);
        }
        assertTrue(Files.exists(dfs.resolve("best").resolve("recipe.yml")));
    }
}
