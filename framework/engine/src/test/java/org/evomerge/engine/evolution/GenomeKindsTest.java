package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs over whole-model genomes (model store, crossover through a merge method) and layer paths, and multi-fidelity. */
class GenomeKindsTest {

    @TempDir
    Path temp;

    private static List<JsonNode> evaluations(Path runDir) {
        return EvolutionFixture.journalLines(runDir).stream()
                .filter(l -> l.path("type").asText().equals("evaluation")).toList();
    }

    @Test
    void wholeModelsBreedThroughTheModelStoreWithTheirLineage() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        EvolutionJob.Result r = EvolutionFixture.run(f.runFile("run.yml", """
                models: [$A, $B]
                genome:
                  kind: model
                  merge_method: linear
                strategy:
                  id: test-ga
                  parameters: {children: 2}
                evaluators:
                  - name: dist
                    evaluator: distance
                    parameters: {target: $TARGET}
                budget: {evaluations: 8}
                seed: 3
                """), runDir, false, 1);
        List<JsonNode> evals = evaluations(runDir);
        assertEquals(8, evals.size());
        assertEquals("model", evals.getFirst().path("genome").path("kind").asText());
        // The seeds are the inputs, without parents; every child names two evaluated parents.
        assertTrue(evals.get(0).path("parents").isEmpty());
        JsonNode child = evals.get(2);
        assertEquals(2, child.path("parents").size(), child.toString());
        // Linear crossover of A and B (equal weights, normalised) is 0.5A + 0.5B: closer to 0.3A + 0.7B than A is.
        double fa = evals.get(0).path("fitness").get(0).asDouble();
        assertTrue(r.outcome().best().fitness().primary() > fa);
        Path folder = Path.of(child.path("genome").path("folder").asText());
        assertTrue(folder.startsWith(runDir.resolve("population")), folder.toString());
        assertEquals(child.path("genome").path("hash").asText().substring(0, 16), folder.getFileName().toString());
        try (Stream<Path> population = Files.list(runDir.resolve("population"))) {
            assertTrue(population.noneMatch(p -> p.getFileName().toString().startsWith(".incoming")));
        }
        assertTrue(Files.exists(runDir.resolve("best").resolve("toy-model.json")));
        assertFalse(Files.exists(runDir.resolve("best").resolve("recipe.yml")));
    }

    @Test
    void layerPathsEvolveAsPassthroughRecipes() throws Exception {
        // Files without genome.scaling keep per-slot scales; transition adds the M×M matrix, none has no scales.
        // The distance evaluator needs all 4 layers of the target, so the steps stay small (inclusions start at
        // ±0.5). Two models of 4 layers: 8 slots, then 8 slot scales, 8 × 8 transition scales or none.
        Map<String, Integer> dimensions = new LinkedHashMap<>();
        dimensions.put("", 16);
        dimensions.put("scaling: transition", 8 + 64);
        dimensions.put("scaling: none", 8);
        for (String scaling : dimensions.keySet()) {
            EvolutionFixture f = new EvolutionFixture(temp.resolve("s" + scaling.length()));
            Path runDir = temp.resolve("run" + scaling.length());
            EvolutionJob.Result r = EvolutionFixture.run(f.runFile("run.yml", """
                    models: [$A, $B]
                    genome:
                      kind: layer-path
                      repeats: 1
                      scale_bounds: [0.5, 1.5]
                      dtype: float32
                      SCALING
                    strategy: {id: test-es, parameters: {lambda: 4, sigma: 0.1}}
                    evaluators:
                      - {name: dist, evaluator: distance, parameters: {target: $TARGET}}
                    budget: {evaluations: 8}
                    """.replace("SCALING", scaling)), runDir, false, 1);
            List<JsonNode> evaluations = evaluations(runDir);
            assertEquals(8, evaluations.size(), scaling);
            assertEquals(dimensions.get(scaling), evaluations.getFirst().path("genome").path("values").size(),
                    scaling);
            String recipe = Files.readString(runDir.resolve("best").resolve("recipe.yml"));
            assertTrue(recipe.contains("merge_method: passthrough"), recipe);
            assertTrue(r.outcome().best().fitness().primary() < 0);
        }
    }

    @Test
    void multiFidelityScoresOnlyThePromisingOnTheFullData() {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        EvolutionFixture.run(f.runFile("run.yml", EvolutionFixture.LINEAR_RUN
                .replace("seed: 11", "seed: 11\nmulti_fidelity: {sample: 0.25, keep: 0.5, sample_seed: 9}")
                .replace("evaluations: 24", "evaluations: 12")), runDir, false, 1);
        List<JsonNode> evals = evaluations(runDir);
        assertEquals(12, evals.size());
        // Each generation of 4 new candidates: 2 promoted to the full data, 2 kept at the subsample score.
        assertEquals(6, evals.stream().filter(l -> l.path("fidelity").asText("full").equals("low")).count());
    }

    @Test
    void kinshipOfTheTopCandidatesIsJournaledAndStopsTheRunWhenTheyAreAlike() {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        // Small steps around one point: the top candidates are near-identical merges of A and B, so their Pearson
        // kinship is close to 1 and the run stops at the first check.
        EvolutionJob.Result r = EvolutionFixture.run(f.runFile("run.yml", EvolutionFixture.LINEAR_RUN
                .replace("sigma: 0.15", "sigma: 0.01")
                .replace("seed: 11", "seed: 11\nkinship: {metric: pcc, top: 3, every: 1, stop_above: 0.9}")),
                runDir, false, 1);
        assertEquals("kinship", r.outcome().reason());
        List<JsonNode> kinship = EvolutionFixture.journalLines(runDir).stream()
                .filter(l -> l.path("type").asText().equals("kinship")).toList();
        assertEquals(1, kinship.size());
        JsonNode line = kinship.getFirst();
        assertEquals(3, line.path("ids").size());
        assertEquals("pcc", line.path("metric").asText());
        JsonNode m = line.path("matrix");
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0, m.get(i).get(i).asDouble(), 1e-12);
            for (int j = 0; j < 3; j++) {
                assertEquals(m.get(i).get(j).asDouble(), m.get(j).get(i).asDouble(), 1e-12);
                assertTrue(m.get(i).get(j).asDouble() > 0.9);
            }
        }
        assertEquals(4, evaluations(runDir).size());
    }
}
