package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.model.Model;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.merge.InMemoryMerge;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.evomerge.runfolder.JournalRecord;
import org.evomerge.runfolder.RunFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole runs on toy models with the test extensions: what the run folder holds and what the engine guarantees. */
class EvolutionJobTest {

    @TempDir
    Path temp;

    private static List<JsonNode> lines(Path runDir, String type) {
        return EvolutionFixture.journalLines(runDir).stream()
                .filter(l -> l.path("type").asText().equals(type)).toList();
    }

    /** Evaluation lines without the timings, sorted by id: what must not depend on threads or interruptions. */
    static List<String> evaluations(Path runDir) {
        List<String> out = new ArrayList<>();
        for (JsonNode l : lines(runDir, "evaluation")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) l).remove("seconds");
            out.add(l.toString());
        }
        out.sort(null);
        return out;
    }

    @Test
    void recipeRunImprovesAndWritesTheRunFolder() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        EvolutionJob.Result result = EvolutionFixture.run(f.runFile("run.yml", EvolutionFixture.LINEAR_RUN), runDir,
                false, 2);

        List<JsonNode> evaluations = lines(runDir, "evaluation");
        assertEquals(24, evaluations.size());
        assertEquals("budget", result.outcome().reason());
        JsonNode start = EvolutionFixture.journalLines(runDir).getFirst();
        assertEquals("start", start.path("type").asText());
        assertEquals(11, start.path("seed").asLong());
        assertEquals("test-es", start.path("strategy").asText());
        // The seed genome (weights 1/2, 1/2) scores -mean((0.5A+0.5B - (0.3A+0.7B))^2) = -0.04·mean((A-B)^2) < 0.
        double first = evaluations.getFirst().path("fitness").get(0).asDouble();
        double best = result.outcome().best().fitness().primary();
        assertTrue(best > first, best + " should beat the starting point " + first);
        assertEquals(6, lines(runDir, "generation").size());
        List<String> history = Files.readAllLines(runDir.resolve("history.csv"));
        assertEquals("generation,evaluations,best,mean,std,worst,elapsed_seconds", history.getFirst());
        assertEquals(7, history.size());
        assertEquals(1, lines(runDir, "finish").size());
        assertEquals(result.outcome().best().id(), lines(runDir, "finish").getFirst().path("best_id").asText());

        // best/ holds the model, the tokenizer, a recipe that merges back into the same candidate, and a model card.
        Path bestDir = runDir.resolve("best");
        assertTrue(Files.exists(bestDir.resolve("toy-model.json")));
        assertTrue(Files.exists(bestDir.resolve("tokenizer.json")));
        String card = Files.readString(bestDir.resolve("README.md"));
        assertTrue(card.contains(result.outcome().best().id()), card);
        assertTrue(card.contains("## Lineage"), card);
        MergeRecipe recipe = RecipeReader.read(bestDir.resolve("recipe.yml"));
        assertEquals("linear", recipe.mergeMethod());
        // model paths are relative to best/
        assertEquals(List.of("../../model-a", "../../model-b"), recipe.modelReferences());
        ExtensionCatalog catalog = TestExtensions.catalog();
        try (Model a = ToyFormat.open(f.a); Model b = ToyFormat.open(f.b);
             Model merged = InMemoryMerge.merge(recipe, catalog, Map.of("../../model-a", a, "../../model-b", b),
                     ArchitectureCatalog.load(List.of()), EvolutionFixture.context(temp, 1),
                     org.evomerge.api.tensor.DType.F32);
             Evaluator distance = new TestExtensions.Distance().create(
                     new Parameters(Map.of("target", f.target.toString(), "sample_seed", 0L, "delay_ms", 0L)),
                     EvolutionFixture.context(temp, 1))) {
            assertEquals(best, distance.evaluate(merged).score(), 1e-12);
        }
        try (Model written = ToyFormat.open(bestDir);
             Evaluator distance = new TestExtensions.Distance().create(
                     new Parameters(Map.of("target", f.target.toString(), "sample_seed", 0L, "delay_ms", 0L)),
                     EvolutionFixture.context(temp, 1))) {
            assertEquals(best, distance.evaluate(written).score(), 1e-12);
        }
    }

    @Test
    void theRunDoesNotDependOnTheNumberOfWorkersOrThreads() {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path one = temp.resolve("one");
        Path four = temp.resolve("four");
        EvolutionFixture.run(f.runFile("one.yml", EvolutionFixture.LINEAR_RUN), one, false, 1);
        EvolutionFixture.run(f.runFile("four.yml", EvolutionFixture.LINEAR_RUN.replace("seed: 11",
                "seed: 11\nworkers: 4")), four, false, 4);
        assertEquals(evaluations(one), evaluations(four));
    }

    @Test
    void resumingAFinishedRunChangesNothingAndAnotherRunFileIsRefused() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        Path file = f.runFile("run.yml", EvolutionFixture.LINEAR_RUN);
        EvolutionFixture.run(file, runDir, false, 1);
        String journal = Files.readString(runDir.resolve(RunFolder.JOURNAL));
        EvolutionJob.Result again = EvolutionFixture.run(file, runDir, true, 1);
        assertEquals(journal, Files.readString(runDir.resolve(RunFolder.JOURNAL)));
        assertEquals(24, again.outcome().evaluations().size());

        Path other = f.runFile("other.yml", EvolutionFixture.LINEAR_RUN.replace("evaluations: 24", "evaluations: 30"));
        EvomergeException e = assertThrows(EvomergeException.class, () -> EvolutionFixture.run(other, runDir, true, 1));
        assertTrue(e.getMessage().contains("differs from the run file"), e.getMessage());
        EvomergeException notEmpty = assertThrows(EvomergeException.class,
                () -> EvolutionFixture.run(file, runDir, false, 1));
        assertTrue(notEmpty.getMessage().contains("not empty"), notEmpty.getMessage());
    }

    @Test
    void aStrategyAskingTheSameGenomeGetsCachedScoresAndTheBudgetStillEnds() {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        // sigma 0 keeps asking the starting point: one real evaluation, then cache hits.
        EvolutionFixture.run(f.runFile("run.yml", EvolutionFixture.LINEAR_RUN.replace("sigma: 0.15", "sigma: 0.0")
                .replace("evaluations: 24", "evaluations: 10")), runDir, false, 1);
        List<JsonNode> evaluations = lines(runDir, "evaluation");
        assertEquals(10, evaluations.size());
        assertEquals(1, evaluations.stream().filter(l -> !l.path("cached").asBoolean()).count());
        assertTrue(evaluations.stream().allMatch(l -> l.path("fitness").equals(evaluations.getFirst().path("fitness"))));
    }

    @Test
    void aTargetFitnessEndsTheRun() {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        EvolutionJob.Result r = EvolutionFixture.run(f.runFile("run.yml", EvolutionFixture.LINEAR_RUN
                .replace("evaluations: 24", "evaluations: 400\n  target_fitness: -10.0")), runDir, false, 1);
        assertEquals("target", r.outcome().reason());
        assertEquals(4, lines(runDir, "evaluation").size());
    }

    @Test
    void aTimeBudgetStopsInsideAGenerationAndJournalsWhatWasDone() {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        // 1.5 s of evaluation time, each evaluation sleeping 0.6 s: the first generation (4 candidates) starts but
        // cannot finish. The margins are wide: only a first evaluation starting more than 1.5 s late would fail.
        EvolutionJob.Result r = EvolutionFixture.run(f.runFile("run.yml", EvolutionFixture.LINEAR_RUN
                .replace("evaluations: 24", "time: 1.5s")
                .replace("parameters: {target: $TARGET}", "parameters: {target: $TARGET, delay_ms: 600}")),
                runDir, false, 1);
        assertEquals("budget", r.outcome().reason());
        long done = lines(runDir, "evaluation").size();
        assertTrue(done >= 1 && done < 4, done + " evaluations");
        // What was done of the generation is its partial summary.
        List<JsonNode> generations = lines(runDir, "generation");
        assertEquals(1, generations.size());
        assertTrue(generations.getFirst().path("partial").asBoolean(), generations.toString());
        assertEquals(done, generations.getFirst().path("evaluations").asLong());
        assertEquals(1, lines(runDir, "finish").size());
    }

    /**
     * A CMA-ES population larger than the budget gave "8 evaluations in 0 generations", an empty history.csv and a
     * report saying "Generations 1": the generation the budget cut short is one partial generation everywhere (the
     * report's side: RunReportTest).
     */
    @Test
    void aBudgetEndingInsideAGenerationReportsItAsOnePartialGeneration() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        Path file = f.runFile("run.yml", EvolutionFixture.LINEAR_RUN.replace("evaluations: 24", "evaluations: 3"));
        EvolutionJob.Result r = EvolutionFixture.run(file, runDir, false, 1);
        assertEquals(3, r.outcome().evaluations().size());
        assertEquals(1, r.outcome().generations().size());
        JournalRecord.Generation only = r.outcome().generations().getFirst();
        assertTrue(only.partial());
        assertEquals(3, only.evaluations());
        double best = r.outcome().evaluations().stream().mapToDouble(e -> e.fitness().primary()).max().orElseThrow();
        assertEquals(best, only.best());
        List<JsonNode> generations = lines(runDir, "generation");
        assertEquals(1, generations.size());
        assertTrue(generations.getFirst().path("partial").asBoolean());
        List<String> history = Files.readAllLines(runDir.resolve(RunFolder.HISTORY));
        assertEquals(2, history.size(), history.toString());
        assertTrue(history.get(1).startsWith("1,3,"), history.toString());

        // Resuming the finished run gives the same generations; a complete first generation stays complete.
        assertEquals(r.outcome().generations(), EvolutionFixture.run(file, runDir, true, 1).outcome().generations());
        Path six = temp.resolve("six");
        EvolutionJob.Result r6 = EvolutionFixture.run(f.runFile("six.yml", EvolutionFixture.LINEAR_RUN
                .replace("evaluations: 24", "evaluations: 6")), six, false, 1);
        assertEquals(List.of(false, true), r6.outcome().generations().stream()
                .map(JournalRecord.Generation::partial).toList());
        assertEquals(3, Files.readAllLines(six.resolve(RunFolder.HISTORY)).size());
    }

    /** A missing dataset used to fail after run.yml was written: a fresh start then said "not empty". */
    @Test
    void aRunThatCannotOpenItsTaskDataWritesNothing() {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        Path file = f.runFile("run.yml", EvolutionFixture.LINEAR_RUN.replace("{target: $TARGET}",
                "{target: " + temp.resolve("no-such-target") + "}"));
        assertThrows(RuntimeException.class, () -> EvolutionFixture.run(file, runDir, false, 1));
        assertFalse(Files.exists(runDir), "the run folder of a run that could not start");
    }

    @Test
    void aRunThatFailsBeforeItsFirstEvaluationLeavesNoRunFolder() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        String failing = EvolutionFixture.LINEAR_RUN.replace("{target: $TARGET}", "{target: $TARGET, fail_after: 0}");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EvolutionFixture.run(f.runFile("run.yml", failing), runDir, false, 1));
        assertEquals("evaluation failed on purpose", e.getMessage());
        assertFalse(Files.exists(runDir));
        // A folder that was there (empty) stays, empty.
        Files.createDirectories(runDir);
        assertThrows(IllegalStateException.class,
                () -> EvolutionFixture.run(f.runFile("run.yml", failing), runDir, false, 1));
        try (Stream<Path> left = Files.list(runDir)) {
            assertEquals(List.of(), left.toList());
        }
        // Fixed, the run starts afresh in the same folder.
        EvolutionFixture.run(f.runFile("run.yml", EvolutionFixture.LINEAR_RUN), runDir, false, 1);
        assertEquals(24, lines(runDir, "evaluation").size());
    }

    @Test
    void aRunThatFailsAfterEvaluatingKeepsItsFolderToResume() {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        Path file = f.runFile("run.yml", EvolutionFixture.LINEAR_RUN.replace("{target: $TARGET}",
                "{target: $TARGET, fail_after: 5}"));
        assertThrows(IllegalStateException.class, () -> EvolutionFixture.run(file, runDir, false, 1));
        assertEquals(5, lines(runDir, "evaluation").size());
        EvomergeException notEmpty = assertThrows(EvomergeException.class,
                () -> EvolutionFixture.run(file, runDir, false, 1));
        assertTrue(notEmpty.getMessage().contains("not empty"), notEmpty.getMessage());
    }

    /** What a run killed before its first evaluation leaves: the copy of its run file, perhaps a start line. */
    @Test
    void aRunStoppedBeforeItsFirstEvaluationResumes() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path file = f.runFile("run.yml", EvolutionFixture.LINEAR_RUN);
        Path complete = temp.resolve("complete");
        EvolutionFixture.run(file, complete, false, 1);

        Path copyOnly = Files.createDirectories(temp.resolve("copy-only"));
        Files.copy(file, copyOnly.resolve(RunFolder.RUN_FILE));
        Path startOnly = Files.createDirectories(temp.resolve("start-only"));
        Files.copy(file, startOnly.resolve(RunFolder.RUN_FILE));
        Files.writeString(startOnly.resolve(RunFolder.JOURNAL),
                Files.readAllLines(complete.resolve(RunFolder.JOURNAL)).getFirst() + "\n");
        for (Path runDir : List.of(copyOnly, startOnly)) {
            EvomergeException fresh = assertThrows(EvomergeException.class,
                    () -> EvolutionFixture.run(file, runDir, false, 1));
            assertEquals(runDir + ": holds a run that stopped before its first evaluation; continue it with --resume"
                    + " (same run file), or delete the folder to start afresh", fresh.getMessage());
            EvolutionFixture.run(file, runDir, true, 1);
            assertEquals(evaluations(complete), evaluations(runDir));
        }
        EvomergeException nothing = assertThrows(EvomergeException.class,
                () -> EvolutionFixture.run(file, temp.resolve("nothing"), true, 1));
        assertTrue(nothing.getMessage().contains("no run to resume"), nothing.getMessage());
    }

    /** run.yml and history.csv were written owner-only (0600), through Files.createTempFile and a rename. */
    @Test
    void theRunFolderFilesGetTheModeOfAnyNewFile() throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Set<PosixFilePermission> fileMode = Files.getPosixFilePermissions(Files.createFile(temp.resolve("plain")));
        Set<PosixFilePermission> folderMode = Files.getPosixFilePermissions(
                Files.createDirectory(temp.resolve("plain-folder")));
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        EvolutionFixture.run(f.runFile("run.yml", EvolutionFixture.LINEAR_RUN), runDir, false, 1);
        for (String name : List.of(RunFolder.RUN_FILE, RunFolder.JOURNAL, RunFolder.HISTORY, "best/recipe.yml",
                "best/README.md")) {
            assertEquals(PosixFilePermissions.toString(fileMode),
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(runDir.resolve(name))), name);
        }
        assertEquals(folderMode, Files.getPosixFilePermissions(runDir));
    }

    @Test
    void tooManyLayerSlotsAreRefusedBeforeAnythingIsWritten() {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        // 2 models of 4 layers: 8 slots a repeat; 513 repeats exceed 4096 slots.
        Path file = f.runFile("run.yml", """
                models: [$A, $B]
                genome:
                  kind: layer-path
                  repeats: 513
                strategy: {id: test-es, parameters: {lambda: 4, sigma: 0.3}}
                evaluators:
                  - {name: dist, evaluator: distance, parameters: {target: $TARGET}}
                budget: {evaluations: 8}
                """);
        EvomergeException e = assertThrows(EvomergeException.class, () -> EvolutionFixture.run(file, runDir, false, 1));
        assertEquals(file + ":4:3: 'genome.repeats' = 513 over the models' 8 layers gives more than 4096 layer"
                + " slots (layers × repeats), the most a layer path may have", e.getMessage());
        assertFalse(Files.exists(runDir));
    }
}
