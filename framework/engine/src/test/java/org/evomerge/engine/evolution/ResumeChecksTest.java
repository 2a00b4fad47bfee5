package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.runfolder.ExtensionVersion;
import org.evomerge.runfolder.Journal;
import org.evomerge.runfolder.RunFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a resumed run checks against its journal: every extension's journaled {@code id@version}, and the journal's
 * format, including run folders written before extension versions were journaled (format 1, a test resource made by
 * that build).
 */
class ResumeChecksTest {

    @TempDir
    Path temp;

    /** The test evaluator {@code distance} under another version: same scores, another {@code id@version}. */
    static final class DistanceOfAnotherVersion implements EvaluatorFactory {
        private final TestExtensions.Distance distance = new TestExtensions.Distance();

        @Override
        public ExtensionDescriptor descriptor() {
            ExtensionDescriptor d = distance.descriptor();
            return new ExtensionDescriptor(d.id(), "1.1.0", d.kind(), d.description(), d.parameters(),
                    d.capabilities());
        }

        @Override
        public Evaluator create(Parameters parameters, RunContext context) {
            return distance.create(parameters, context);
        }
    }

    private static ExtensionCatalog withDistanceOfAnotherVersion() {
        ExtensionCatalog catalog = new ExtensionCatalog();
        catalog.register(new ToyFormat(), "tests");
        catalog.register(new TestExtensions.Linear(), "tests");
        catalog.register(new DistanceOfAnotherVersion(), "tests");
        catalog.register(new TestExtensions.OnePlusLambda(), "tests");
        return catalog;
    }

    private static List<String> format1Journal() throws IOException {
        try (InputStream in = ResumeChecksTest.class.getResourceAsStream("format1-linear-run/journal.jsonl")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    /** A run folder as the format-1 build left it after {@code lines} journal lines, for the fixture's run file. */
    private Path format1Folder(Path runFile, String name, int lines) throws IOException {
        Path runDir = Files.createDirectories(temp.resolve(name));
        Files.copy(runFile, runDir.resolve(RunFolder.RUN_FILE));
        List<String> journal = format1Journal();
        Files.write(runDir.resolve(RunFolder.JOURNAL), journal.subList(0, lines));
        return runDir;
    }

    @Test
    void aRunJournalsEveryExtensionWithItsVersion() {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        EvolutionFixture.run(f.runFile("run.yml", EvolutionFixture.LINEAR_RUN), runDir, false, 1);
        Journal journal = Journal.read(runDir.resolve(RunFolder.JOURNAL));
        assertEquals(Journal.FORMAT_VERSION, journal.start().version());
        assertEquals(List.of(new ExtensionVersion(ExtensionKind.SEARCH_STRATEGY, "test-es", "1.0.0"),
                new ExtensionVersion(ExtensionKind.MERGE_METHOD, "linear", "1.0.0"),
                new ExtensionVersion(ExtensionKind.EVALUATOR, "distance", "1.0.0"),
                new ExtensionVersion(ExtensionKind.MODEL_FORMAT, "toy", "1.0.0")), journal.start().extensions());
    }

    @Test
    void aResumeWithAnExtensionOfAnotherVersionIsRefusedByNameUnlessAllowed() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runFile = f.runFile("run.yml", EvolutionFixture.LINEAR_RUN);
        Path runDir = temp.resolve("run");
        EvolutionFixture.run(runFile, runDir, false, 1);
        // Cut after the first generation: a run killed there.
        List<String> lines = Files.readAllLines(runDir.resolve(RunFolder.JOURNAL));
        int cut = lines.indexOf(lines.stream().filter(l -> l.contains("\"type\":\"generation\"")).findFirst()
                .orElseThrow()) + 1;
        Files.write(runDir.resolve(RunFolder.JOURNAL), lines.subList(0, cut));
        String before = Files.readString(runDir.resolve(RunFolder.JOURNAL));

        EvomergeException e = assertThrows(EvomergeException.class, () -> EvolutionFixture.run(runFile, runDir, true,
                1, withDistanceOfAnotherVersion(), false));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().contains("evaluator 'distance' was 1.0.0 when journaled and is 1.1.0 now"),
                e.getMessage());
        assertTrue(e.getMessage().contains("--allow-version-change"), e.getMessage());
        assertEquals(before, Files.readString(runDir.resolve(RunFolder.JOURNAL)), "a refused resume writes nothing");

        EvolutionJob.Result resumed = EvolutionFixture.run(runFile, runDir, true, 1, withDistanceOfAnotherVersion(),
                true);
        assertEquals(24, resumed.outcome().evaluations().size());
        // The resume line says which versions the rest of the run used; a later resume checks against those.
        Journal journal = Journal.read(runDir.resolve(RunFolder.JOURNAL));
        assertEquals(new ExtensionVersion(ExtensionKind.EVALUATOR, "distance", "1.1.0"),
                journal.resumes().getFirst().extensions().get(2));
        assertEquals(journal.resumes().getFirst().extensions(), journal.extensions());
    }

    @Test
    void aKilledRunOfTheEarlierFormatResumesAndEndsAsThatBuildsRunDid() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runFile = f.runFile("run.yml", EvolutionFixture.LINEAR_RUN);
        // Killed in the middle of its third generation (two generations and two evaluations journaled).
        List<String> journal = format1Journal();
        int cut = 0;
        int generations = 0;
        while (generations < 2) {
            if (journal.get(cut++).contains("\"type\":\"generation\"")) {
                generations++;
            }
        }
        Path runDir = format1Folder(runFile, "killed", cut + 2);
        EvolutionJob.Result r = EvolutionFixture.run(runFile, runDir, true, 2);
        assertEquals(24, r.outcome().evaluations().size());

        // The same evaluations (ids, genomes, fitness, metrics, parents, cache flags) as that build's whole run, and
        // as this build's run from scratch.
        Path reference = format1Folder(runFile, "reference", journal.size());
        Path fresh = temp.resolve("fresh");
        EvolutionFixture.run(runFile, fresh, false, 2);
        assertEquals(EvolutionJobTest.evaluations(reference), EvolutionJobTest.evaluations(runDir));
        assertEquals(EvolutionJobTest.evaluations(reference), EvolutionJobTest.evaluations(fresh));
        // Every line but the start's and the resume's is written as that build writes it, timings aside.
        List<String> after = Files.readAllLines(runDir.resolve(RunFolder.JOURNAL));
        assertEquals(journal.subList(0, cut + 2), after.subList(0, cut + 2));
        assertTrue(after.get(cut + 2).startsWith("{\"type\":\"resume\",\"at\":"), after.get(cut + 2));
        assertEquals(Files.readString(reference.resolve("..").resolve("reference").resolve(RunFolder.JOURNAL))
                .lines().filter(l -> l.contains("\"type\":\"generation\"")).count(), after.stream()
                .filter(l -> l.contains("\"type\":\"generation\"")).count());
        try (InputStream in = getClass().getResourceAsStream("format1-linear-run/history.csv")) {
            List<String> expected = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            List<String> history = Files.readAllLines(runDir.resolve(RunFolder.HISTORY));
            assertEquals(expected.size(), history.size());
            for (int i = 0; i < expected.size(); i++) {
                // All but elapsed_seconds, which is timing.
                assertEquals(expected.get(i).substring(0, expected.get(i).lastIndexOf(',')),
                        history.get(i).substring(0, history.get(i).lastIndexOf(',')));
            }
        }
    }

    @Test
    void aFinishedRunOfTheEarlierFormatResumesWithoutChange() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runFile = f.runFile("run.yml", EvolutionFixture.LINEAR_RUN);
        Path runDir = format1Folder(runFile, "finished", format1Journal().size());
        String before = Files.readString(runDir.resolve(RunFolder.JOURNAL));
        EvolutionJob.Result r = EvolutionFixture.run(runFile, runDir, true, 1);
        assertEquals(before, Files.readString(runDir.resolve(RunFolder.JOURNAL)));
        assertEquals(24, r.outcome().evaluations().size());
        assertTrue(Files.exists(runDir.resolve(RunFolder.BEST).resolve("recipe.yml")));
    }

    @Test
    void aJournalOfALaterFormatIsRefusedByName() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runFile = f.runFile("run.yml", EvolutionFixture.LINEAR_RUN);
        Path runDir = format1Folder(runFile, "later", 5);
        List<String> lines = Files.readAllLines(runDir.resolve(RunFolder.JOURNAL));
        lines.set(0, lines.getFirst().replace("\"version\":1", "\"version\":3"));
        Files.write(runDir.resolve(RunFolder.JOURNAL), lines);
        EvomergeException e = assertThrows(EvomergeException.class, () -> EvolutionFixture.run(runFile, runDir, true,
                1));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().contains("journal.jsonl:1: journal format version 3, which this evomerge does not"
                + " read"), e.getMessage());
        assertFalse(Files.exists(runDir.resolve(RunFolder.BEST)));
    }
}
