package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.evomerge.runfolder.RunFolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sakana's PS+DFS as one run: a recipe stage, then a layer-path stage whose model 0 is the first stage's best model;
 * chained, resumed after a crash in either stage with nothing evaluated twice.
 */
class StagedRunTest {

    /** 12 evaluations of a linear recipe, then 12 of a transition-scaled path over [PS best, A]. */
    static final String PS_DFS = """
            models: [$A, $B]
            evaluators:
              - {name: dist, evaluator: distance, parameters: {target: $TARGET}}
            seed: 11
            stages:
              - name: ps
                genome: {kind: recipe, merge_method: linear, layer_groups: 2, filters: [self_attn, mlp],
                         dtype: float32}
                strategy: {id: test-es, parameters: {lambda: 4, sigma: 0.15}}
                budget: {evaluations: 12}
              - name: dfs
                models: [{stage: ps}, $A]
                genome: {kind: layer-path, repeats: 1, scaling: transition, dtype: float32}
                strategy: {id: test-es, parameters: {lambda: 4, sigma: 0.05}}
                budget: {evaluations: 12}
            """;

    @TempDir
    Path temp;

    @AfterEach
    void noCrash() {
        TestExtensions.Distance.CRASH_AFTER.set(Long.MAX_VALUE);
    }

    private static Path stage(Path runDir, String folder) {
        return runDir.resolve(RunFolder.STAGES).resolve(folder);
    }

    private static List<JsonNode> lines(Path runDir, String type) {
        return EvolutionFixture.journalLines(runDir).stream().filter(l -> l.path("type").asText().equals(type))
                .toList();
    }

    /** What a resume must reproduce: each evaluation's id, genome, parents and fitness, in journal order by id. */
    private static List<String> evaluations(Path runDir) {
        return lines(runDir, "evaluation").stream()
                .map(l -> l.path("id").asText() + " " + l.path("genome") + " " + l.path("parents") + " "
                        + l.path("fitness"))
                .sorted().toList();
    }

    private static long calls(Runnable run) {
        long before = TestExtensions.Distance.CALLS.get();
        run.run();
        return TestExtensions.Distance.CALLS.get() - before;
    }

    @Test
    void theSecondStageStartsFromTheFirstStagesBestModel() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        EvolutionJob.Result result = EvolutionFixture.run(f.runFile("run.yml", PS_DFS), runDir, false, 1);

        Path ps = stage(runDir, "1-ps");
        Path dfs = stage(runDir, "2-dfs");
        assertEquals(12, lines(ps, "evaluation").size());
        assertEquals(12, lines(dfs, "evaluation").size());
        assertEquals(Files.readString(runDir.resolve(RunFolder.RUN_FILE)), Files.readString(ps.resolve(
                RunFolder.RUN_FILE)));
        assertEquals(dfs.resolve(RunFolder.BEST), result.best());
        assertEquals(runDir, result.runDir());
        // DFS's start is model 0's layers, unscaled: PS's best model again, so it scores what PS's best scored.
        double psBest = lines(ps, "finish").getFirst().path("best_fitness").get(0).asDouble();
        JsonNode dfsStart = lines(dfs, "evaluation").getFirst();
        assertEquals("g1-0", dfsStart.path("id").asText());
        assertEquals(psBest, dfsStart.path("fitness").get(0).asDouble());
        // The DFS candidates are paths over PS's best/ (model 0) and A (model 1).
        String recipe = Files.readString(dfs.resolve(RunFolder.BEST).resolve("recipe.yml"));
        assertTrue(recipe.contains("model: ../../1-ps/best"), recipe);
        assertTrue(recipe.contains("merge_method: passthrough"), recipe);
        assertTrue(result.outcome().best().fitness().primary() >= psBest);
    }

    @Test
    void aRunCrashedInTheFirstStageResumesThereAndEvaluatesNothingTwice() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path file = f.runFile("run.yml", PS_DFS);
        Path complete = temp.resolve("complete");
        assertEquals(24, calls(() -> EvolutionFixture.run(file, complete, false, 1)));

        Path runDir = temp.resolve("run");
        TestExtensions.Distance.CRASH_AFTER.set(TestExtensions.Distance.CALLS.get() + 5);
        assertThrows(IllegalStateException.class, () -> EvolutionFixture.run(file, runDir, false, 1));
        TestExtensions.Distance.CRASH_AFTER.set(Long.MAX_VALUE);
        assertEquals(5, lines(stage(runDir, "1-ps"), "evaluation").size());
        // The second stage's folder is there from the start, empty until the stage starts.
        try (var left = Files.list(stage(runDir, "2-dfs"))) {
            assertEquals(List.of(), left.toList());
        }

        assertEquals(24 - 5, calls(() -> EvolutionFixture.run(file, runDir, true, 1)));
        assertEquals(evaluations(stage(complete, "1-ps")), evaluations(stage(runDir, "1-ps")));
        assertEquals(evaluations(stage(complete, "2-dfs")), evaluations(stage(runDir, "2-dfs")));
    }

    @Test
    void aRunCrashedInTheSecondStageResumesThereAndEvaluatesNothingTwice() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path file = f.runFile("run.yml", PS_DFS);
        Path complete = temp.resolve("complete");
        EvolutionFixture.run(file, complete, false, 1);

        Path runDir = temp.resolve("run");
        TestExtensions.Distance.CRASH_AFTER.set(TestExtensions.Distance.CALLS.get() + 12 + 3);
        assertThrows(IllegalStateException.class, () -> EvolutionFixture.run(file, runDir, false, 1));
        TestExtensions.Distance.CRASH_AFTER.set(Long.MAX_VALUE);
        assertEquals(12, lines(stage(runDir, "1-ps"), "evaluation").size());
        assertEquals(3, lines(stage(runDir, "2-dfs"), "evaluation").size());
        long psBestWritten = Files.getLastModifiedTime(stage(runDir, "1-ps").resolve(RunFolder.BEST)).toMillis();

        // The finished first stage is not opened again; the second resumes from its journal.
        assertEquals(12 - 3, calls(() -> EvolutionFixture.run(file, runDir, true, 1)));
        assertEquals(psBestWritten, Files.getLastModifiedTime(stage(runDir, "1-ps").resolve(RunFolder.BEST))
                .toMillis());
        assertEquals(evaluations(stage(complete, "1-ps")), evaluations(stage(runDir, "1-ps")));
        assertEquals(evaluations(stage(complete, "2-dfs")), evaluations(stage(runDir, "2-dfs")));
        // Resuming the finished run evaluates nothing.
        assertEquals(0, calls(() -> EvolutionFixture.run(file, runDir, true, 1)));
    }

    @Test
    void aStagedRunThatCannotStartLeavesNoRunFolder() {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        TestExtensions.Distance.CRASH_AFTER.set(TestExtensions.Distance.CALLS.get());
        assertThrows(IllegalStateException.class,
                () -> EvolutionFixture.run(f.runFile("run.yml", PS_DFS), runDir, false, 1));
        assertFalse(Files.exists(runDir));
    }
}
