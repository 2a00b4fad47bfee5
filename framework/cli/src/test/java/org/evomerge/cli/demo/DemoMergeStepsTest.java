package org.evomerge.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.evomerge.engine.evolution.RunFile;
import org.evomerge.engine.evolution.RunFileReader;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files the demo writes are ones the commands' own readers accept, with the settings the demo promises. */
class DemoMergeStepsTest {

    @TempDir
    Path out;

    private DemoMergeSteps steps() {
        return new DemoMergeSteps(null, out, 7, line -> { });
    }

    @Test
    void untunedRecipesAreMergekitRecipesOfTheTwoExperts() {
        Path models = out.resolve("models");
        for (String name : DemoMergeSteps.UNTUNED) {
            Path file = out.resolve("recipes").resolve(name + ".yml");
            MergeRecipe recipe = RecipeReader.parse(steps().recipe(name, models), file);
            assertEquals(switch (name) {
                case "linear" -> "linear";
                case "ties" -> "ties";
                default -> "dare_ties";
            }, recipe.mergeMethod());
            assertTrue(recipe.modelReferences().contains(models.resolve("expert-arithmetic").toString()),
                    recipe.modelReferences().toString());
            assertTrue(recipe.modelReferences().contains(models.resolve("expert-language").toString()));
            assertEquals(name.equals("linear"), recipe.baseModel().isEmpty(), name);
        }
    }

    @Test
    void runFileIsCmaEsOverPerLayerTiesWithTheMeanOfTheDevSplitsAsFitness() {
        Path models = out.resolve("models");
        RunFile run = RunFileReader.parse(steps().runFile(models, new DemoMergeSteps.Search(33, 0)),
                out.resolve("runs/evolve.yml"));
        assertEquals("cma-es", run.strategy().id());
        assertEquals(RunFile.GenomeKind.RECIPE, run.genome().kind());
        assertEquals("ties", run.genome().mergeMethod());
        assertEquals(4, run.genome().layerGroups());
        assertEquals(List.of("weight", "density"), run.genome().parameters());
        // the search starts at, and first scores, the untuned TIES recipe (weight 1, density 0.5)
        assertEquals("values", run.genome().init());
        assertEquals(Map.of("weight", 1.0, "density", 0.5), run.genome().initValues());
        assertEquals(Boolean.TRUE, run.strategy().parameters().get("evaluate_start"));
        assertTrue(steps().recipe("ties", models).contains("{weight: 1.0, density: 0.5}"));
        assertEquals(List.of(models.resolve("expert-arithmetic"), models.resolve("expert-language")), run.models());
        assertEquals(models.resolve("base"), run.baseModel().orElseThrow());
        assertEquals(33, run.budget().evaluations().orElseThrow());
        assertEquals(7, run.seed().orElseThrow());
        assertEquals(List.of("arithmetic-dev", "language-dev", "composed-dev"),
                run.tasks().stream().map(RunFile.Task::name).toList());
        double weights = 0;
        for (RunFile.Task task : run.tasks()) {
            assertEquals("generation", task.evaluator());
            assertEquals(out.resolve("data").resolve(task.name() + ".jsonl"), task.data().orElseThrow().normalize());
            weights += task.weight();
        }
        assertEquals(1.0, weights, 1e-12);
    }

    @Test
    void theEvolvedModelsScoresAreRecordedInTheRunFolderItemForItem() {
        java.util.Map<String, org.evomerge.demo.DemoReport.Score> scores = new java.util.LinkedHashMap<>();
        for (String task : org.evomerge.demo.DemoReport.TASKS) {
            scores.put(task, new org.evomerge.demo.DemoReport.Score(0.5, 1.0, List.of(1.0, 0.0), List.of(1.0)));
        }
        org.evomerge.runfolder.BestScores recorded = DemoMergeSteps.scoresAfterTheRun("g9-2",
                new org.evomerge.demo.DemoReport.ModelResult("evolved", "evolved", out, scores, Double.NaN));
        recorded.write(out);
        assertEquals(java.util.Optional.of(recorded), org.evomerge.runfolder.BestScores.read(out));
        assertEquals("g9-2", recorded.bestId());
        assertEquals(List.of("arithmetic-dev", "arithmetic-test", "language-dev", "language-test", "composed-dev",
                "composed-test"), recorded.tasks().stream().map(org.evomerge.runfolder.BestScores.TaskScores::name)
                .toList());
        assertEquals(List.of(1.0, 0.0), recorded.tasks().getFirst().items());
    }
}
