package org.evomerge.cli.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
    void untunedMergesWeighEveryExpertAlikeTheDistractorIncluded() {
        Path models = out.resolve("models");
        for (String name : List.of("linear", "ties", "dare-ties")) {
            Path file = out.resolve("recipes").resolve(name + ".yml");
            MergeRecipe recipe = RecipeReader.parse(steps().recipe(name, models), file);
            assertEquals(switch (name) {
                case "linear" -> "linear";
                case "ties" -> "ties";
                default -> "dare_ties";
            }, recipe.mergeMethod());
            for (String expert : List.of("expert-arithmetic", "expert-language", "expert-reversal")) {
                assertTrue(recipe.modelReferences().contains(models.resolve(expert).toString()),
                        name + ": " + recipe.modelReferences());
            }
            assertEquals(name.equals("linear"), recipe.baseModel().isEmpty(), name);
        }
        assertTrue(steps().recipe("ties", models).contains("{weight: 1.0, density: 0.5}"));
        assertTrue(steps().recipe("linear", models).contains("{weight: 1.0}"));
    }

    @Test
    void theFrankenmergeReadsWithTheArithmeticExpertAndWritesWithTheLanguageExpert() {
        Path models = out.resolve("models");
        String text = steps().recipe("frankenmerge", models);
        MergeRecipe recipe = RecipeReader.parse(text, out.resolve("recipes/frankenmerge.yml"));
        assertEquals("passthrough", recipe.mergeMethod());
        assertTrue(text.contains(models.resolve("expert-arithmetic") + "'\n        layer_range: [0, 2]"), text);
        assertTrue(text.contains(models.resolve("expert-language") + "'\n        layer_range: [2, 4]"), text);
    }

    @Test
    void psThenDfsIsOneStagedRunFileWithTheMeanOfTheDevSplitsAsFitness() {
        Path models = out.resolve("models");
        RunFile run = RunFileReader.parse(steps().psDfsRunFile(models, new DemoMergeSteps.Search(33, 22, 0, false)),
                out.resolve("runs/ps-dfs.yml"));
        assertEquals(List.of("ps", "dfs"), run.stages().stream().map(r -> r.stage().orElseThrow().name()).toList());
        RunFile ps = run.stages().get(0);
        assertEquals("cma-es", ps.strategy().id());
        assertEquals(RunFile.GenomeKind.RECIPE, ps.genome().kind());
        assertEquals("ties", ps.genome().mergeMethod());
        assertEquals(2, ps.genome().layerGroups());
        assertEquals(List.of("weight", "density"), ps.genome().parameters());
        // PS starts at, and first scores, the untuned TIES recipe (weight 1, density 0.5)
        assertEquals(Map.of("weight", 1.0, "density", 0.5), ps.genome().initValues());
        assertEquals(Boolean.TRUE, ps.strategy().parameters().get("evaluate_start"));
        assertEquals(List.of(models.resolve("expert-arithmetic"), models.resolve("expert-language"),
                models.resolve("expert-reversal")), ps.models());
        assertEquals(models.resolve("base"), ps.baseModel().orElseThrow());
        assertEquals(33, ps.budget().evaluations().orElseThrow());
        RunFile dfs = run.stages().get(1);
        assertEquals(RunFile.GenomeKind.LAYER_PATH, dfs.genome().kind());
        assertEquals(22, dfs.budget().evaluations().orElseThrow());
        assertTrue(dfs.baseModel().isEmpty());
        assertFitnessIsTheMeanOfTheDevSplits(run);
    }

    @Test
    void psAloneIsTheFirstStageAsARunFileOfItsOwn() {
        Path models = out.resolve("models");
        RunFile alone = RunFileReader.parse(steps().runFile(models, new DemoMergeSteps.Search(33, 22, 0, false)),
                out.resolve("runs/evolve.yml"));
        RunFile stage = RunFileReader.parse(steps().psDfsRunFile(models, new DemoMergeSteps.Search(33, 22, 0, false)),
                out.resolve("runs/ps-dfs.yml")).stages().getFirst();
        assertTrue(alone.stages().isEmpty());
        assertEquals(stage.genome().layerGroups(), alone.genome().layerGroups());
        assertEquals(stage.genome().parameters(), alone.genome().parameters());
        assertEquals(stage.genome().initValues(), alone.genome().initValues());
        assertArrayEquals(stage.genome().bounds().get("weight"), alone.genome().bounds().get("weight"));
        assertArrayEquals(stage.genome().bounds().get("density"), alone.genome().bounds().get("density"));
        assertEquals(stage.strategy(), alone.strategy());
        assertEquals(stage.models(), alone.models());
        assertEquals(stage.budget(), alone.budget());
        assertFitnessIsTheMeanOfTheDevSplits(alone);
    }

    @Test
    void dfsIsALayerPathWithThePapersTransitionMatrix() {
        Path models = out.resolve("models");
        RunFile run = RunFileReader.parse(steps().dfsRunFile(models, new DemoMergeSteps.Search(33, 22, 0, false)),
                out.resolve("runs/dfs.yml"));
        assertEquals(RunFile.GenomeKind.LAYER_PATH, run.genome().kind());
        assertEquals(List.of(models.resolve("expert-language"), models.resolve("expert-arithmetic")), run.models());
        assertEquals(22, run.budget().evaluations().orElseThrow());
        assertEquals(7, run.seed().orElseThrow());
        assertFitnessIsTheMeanOfTheDevSplits(run);
    }

    @Test
    void everyOtherStrategysRunFileIsOneTheEvolveCommandAccepts() {
        Path models = out.resolve("models");
        for (DemoMergeSteps.OtherStrategy other : DemoMergeSteps.OTHER_STRATEGIES) {
            RunFile run = RunFileReader.parse(steps().otherRunFile(other, models,
                    new DemoMergeSteps.Search(33, 22, 0, true)), out.resolve("runs").resolve(other.name() + ".yml"));
            assertEquals(other.strategy(), run.strategy().id(), other.name());
            assertEquals(RunFile.GenomeKind.MODEL, run.genome().kind(), other.name());
            assertEquals(3, run.models().size(), other.name());
            assertEquals(33, run.budget().evaluations().orElseThrow(), other.name());
            assertFitnessIsTheMeanOfTheDevSplits(run);
        }
        String ga = steps().otherRunFile(other("ga-fine-tune"), models, new DemoMergeSteps.Search(33, 22, 0, true));
        assertTrue(ga.contains("dataset: " + out.resolve("data/composed-train.jsonl").toAbsolutePath()), ga);
    }

    @Test
    void theControlIsEvoMergesRunWithCrossoverOffAndNothingElseChanged() {
        Path models = out.resolve("models");
        DemoMergeSteps.Search search = new DemoMergeSteps.Search(33, 22, 0, true);
        DemoMergeSteps.OtherStrategy control = other("ga-no-merge");
        assertEquals(org.evomerge.demo.DemoReport.CONTROL, control.role());
        assertEquals(org.evomerge.demo.DemoReport.EVOLVED, other("ga-fine-tune").role());
        String ga = steps().otherRunFile(other("ga-fine-tune"), models, search);
        String without = steps().otherRunFile(control, models, search);
        assertEquals(ga.replace("runs/ga-fine-tune.yml", "runs/ga-no-merge.yml").replace(
                        "parameters: {population_size: 4, elites: 1, mutation_rate: 0.5}",
                        "parameters: {population_size: 4, elites: 1, mutation_rate: 0.5, crossover_rate: 0.0}"),
                without);
        RunFile run = RunFileReader.parse(without, out.resolve("runs/ga-no-merge.yml"));
        assertEquals(0.0, ((Number) run.strategy().parameters().get("crossover_rate")).doubleValue());
        assertEquals("fine-tune", run.mutation().orElseThrow().id());
    }

    private static DemoMergeSteps.OtherStrategy other(String name) {
        return DemoMergeSteps.OTHER_STRATEGIES.stream().filter(o -> o.name().equals(name)).findFirst().orElseThrow();
    }

    private void assertFitnessIsTheMeanOfTheDevSplits(RunFile run) {
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
