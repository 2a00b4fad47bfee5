package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.model.Model;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.merge.InMemoryMerge;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole runs on toy models with the test extensions: what the run folder holds and what the engine guarantees. */
class EvolutionJobTest {

    @TempDir
    Path temp;

    private static List<JsonNode> lines(Path runDir, String type) {
        return RunJournal.read(runDir.resolve(RunJournal.FILE)).stream()
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
        JsonNode start = RunJournal.read(runDir.resolve(RunJournal.FILE)).getFirst();
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
        String journal = Files.readString(runDir.resolve(RunJournal.FILE));
        EvolutionJob.Result again = EvolutionFixture.run(file, runDir, true, 1);
        assertEquals(journal, Files.readString(runDir.resolve(RunJournal.FILE)));
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
        assertEquals(0, lines(runDir, "generation").size());
        assertEquals(1, lines(runDir, "finish").size());
    }
}
