package org.evomerge.runfolder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.selection.Fitness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderTest {

    @TempDir
    Path temp;

    private static final String RUN = "seed: 1\n";

    private static void message(String expected, Runnable action) {
        EvomergeException e = assertThrows(EvomergeException.class, action::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void aNewRunNeedsAMissingOrEmptyFolder() throws Exception {
        RunFolder missing = new RunFolder(temp.resolve("new"));
        missing.checkNew();
        Files.createDirectories(missing.dir());
        missing.checkNew();
        Files.writeString(missing.dir().resolve("x"), "");
        message("not empty; give a new folder, or --resume", missing::checkNew);
        Path file = Files.writeString(temp.resolve("file"), "");
        message("not a folder", new RunFolder(file)::checkNew);
    }

    @Test
    void aFolderWithOnlyTheRunFileResumesAndAFreshStartThereSaysSo() throws Exception {
        RunFolder folder = new RunFolder(temp.resolve("run"));
        folder.create(RUN);
        assertEquals(RUN, Files.readString(folder.runFile()));
        message("stopped before its first evaluation; continue it with --resume", folder::checkNew);
        folder.checkResume(temp.resolve("run.yml"), RUN);
        message("differs from the run file the run in", () -> folder.checkResume(temp.resolve("run.yml"), "seed: 2"));
        message("no run to resume (no run.yml and no journal.jsonl)",
                () -> new RunFolder(temp.resolve("none")).checkResume(temp.resolve("run.yml"), RUN));
    }

    @Test
    void aFailedRunIsRemovedUnlessItEvaluatedSomething() throws Exception {
        RunFolder created = new RunFolder(temp.resolve("created"));
        RunFolder.NewRun run = created.create(RUN);
        Files.createDirectories(created.population().resolve("a"));
        run.discardIfNothingEvaluated(new RuntimeException());
        assertFalse(Files.exists(created.dir()));

        // A folder that was there (empty) stays, emptied.
        RunFolder given = new RunFolder(Files.createDirectories(temp.resolve("given")));
        given.create(RUN).discardIfNothingEvaluated(new RuntimeException());
        assertTrue(Files.isDirectory(given.dir()));
        assertEquals(0, Files.list(given.dir()).count());

        RunFolder evaluated = new RunFolder(temp.resolve("evaluated"));
        RunFolder.NewRun kept = evaluated.create(RUN);
        try (JournalWriter writer = JournalWriter.open(evaluated.dir())) {
            writer.append(new JournalRecord.Start(2, 1, "s", List.of("w"), List.of(), "t"));
            assertFalse(evaluated.anyEvaluation());
            writer.append(new JournalRecord.Evaluation("g1-0", 1, new ParameterGenome(new double[] {1}), List.of(),
                    Fitness.of(1), java.util.Map.of(), 1, false, "full"));
        }
        assertTrue(evaluated.anyEvaluation());
        kept.discardIfNothingEvaluated(new RuntimeException());
        assertTrue(Files.exists(evaluated.journal()));
    }

    @Test
    void atomicWritesLeaveNoTemporaryFile() throws Exception {
        Path file = temp.resolve("a.txt");
        RunFolder.writeAtomically(file, "one");
        RunFolder.writeAtomically(file, "two".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("two", Files.readString(file));
        assertEquals(List.of(file), Files.list(temp).toList());
    }

    @Test
    void aStagedRunsStagesAreListedByNumberAndFinishWithAFinishLineAndABestModel() throws Exception {
        RunFolder run = new RunFolder(temp.resolve("staged"));
        assertEquals(List.of(), run.stages());
        assertEquals(Path.of("stages", "2-dfs"), RunFolder.stagePath(2, "dfs"));
        for (String name : List.of("10-last", "2-dfs", "1-ps", "notes", "0-zero")) {
            Files.createDirectories(run.dir().resolve("stages").resolve(name));
        }
        assertEquals(List.of("1 ps", "2 dfs", "10 last"), run.stages().stream()
                .map(s -> s.number() + " " + s.name()).toList());
        RunFolder ps = run.stage(1, "ps");
        assertEquals(run.stages().getFirst().folder().dir(), ps.dir());

        assertFalse(ps.finished());
        try (JournalWriter writer = JournalWriter.open(ps.dir())) {
            writer.append(new JournalRecord.Start(2, 1, "s", List.of("w"), List.of(), "t"));
            writer.append(new JournalRecord.Finish("g1-0", List.of(1.0), "budget"));
        }
        assertFalse(ps.finished(), "no best/ yet: the run stopped before writing it");
        Files.createDirectories(ps.best());
        assertTrue(ps.finished());
    }
}
