package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.execution.CandidateEvaluator;
import org.evomerge.api.execution.EvaluationRun;
import org.evomerge.api.execution.EvaluationTask;
import org.evomerge.api.model.Model;
import org.evomerge.api.context.RunContext;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.evaluation.WeightsHash;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.runfolder.GenomeJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluation side a remote worker rebuilds from the run description ({@link EvolutionJob#openCandidateEvaluator})
 * scores every journaled genome of a local run exactly as the local run did, and refuses a model whose content
 * differs from the coordinator's.
 */
class WorkerEvaluationTest {

    @TempDir
    Path temp;

    private CandidateEvaluator open(Path runFile, Map<String, String> hashes) throws Exception {
        return open(runFile, hashes, 11);
    }

    private CandidateEvaluator open(Path runFile, Map<String, String> hashes, long seed) throws Exception {
        ExtensionCatalog catalog = TestExtensions.catalog();
        Files.createDirectories(temp.resolve("worker-scratch"));
        RunContext context = EvolutionFixture.context(temp.resolve("worker-scratch"), 1);
        EvaluationRun run = new EvaluationRun(runFile, Files.readString(runFile), hashes, List.of(), seed, 1);
        return EvolutionJob.openCandidateEvaluator(run, catalog, ModelFormats.from(catalog, context),
                ArchitectureCatalog.load(List.of()), context);
    }

    private Map<String, String> hashes(EvolutionFixture f) {
        Map<String, String> hashes = new LinkedHashMap<>();
        for (Path p : List.of(f.a, f.b)) {
            try (Model m = ToyFormat.open(p)) {
                hashes.put(p.toString(), WeightsHash.of(m));
            }
        }
        return hashes;
    }

    @Test
    void aWorkerScoresEveryJournaledGenomeAsTheLocalRunDid() throws Exception {
        workerScoresAsTheLocalRun(EvolutionFixture.LINEAR_RUN);
    }

    /**
     * The local run and a worker assemble the run in one place: starting values ({@code init}) and the merge threads
     * (the coordinator's share per worker, the worker's own count) are the same choices on both sides.
     */
    @Test
    void aWorkerScoresARecipeRunWithStartingValuesAsTheLocalRunDid() throws Exception {
        workerScoresAsTheLocalRun(EvolutionFixture.LINEAR_RUN.replace("dtype: float32",
                "dtype: float32\n  init: {weight: 0.8}").replace("seed: 11", "seed: 11\nworkers: 2"));
    }

    @Test
    void aWorkerScoresALayerPathRunAsTheLocalRunDid() throws Exception {
        workerScoresAsTheLocalRun("""
                models: [$A, $B]
                genome:
                  kind: layer-path
                  scale_bounds: [0.5, 1.5]
                  dtype: float32
                strategy: {id: test-es, parameters: {lambda: 4, sigma: 0.3}}
                evaluators:
                  - {name: dist, evaluator: distance, parameters: {target: $TARGET}}
                budget: {evaluations: 8}
                workers: 2
                """);
    }

    private void workerScoresAsTheLocalRun(String runFileText) throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runFile = f.runFile("run.yml", runFileText);
        Path runDir = temp.resolve("run");
        EvolutionFixture.run(runFile, runDir, false, 2);
        List<JsonNode> evaluations = EvolutionFixture.journalLines(runDir).stream()
                .filter(l -> l.path("type").asText().equals("evaluation") && !l.path("cached").asBoolean()).toList();
        assertTrue(evaluations.size() >= 6, evaluations.toString());
        long seed = EvolutionFixture.journalLines(runDir).getFirst().get("seed").asLong();
        try (CandidateEvaluator worker = open(runFile, hashes(f), seed)) {
            for (JsonNode line : evaluations) {
                EvaluationTask task = new EvaluationTask(line.get("id").asText(), line.get("generation").asInt(),
                        GenomeJson.read(line.get("genome")), true);
                Map<String, EvaluationResult> results = worker.evaluate(task);
                for (var e : results.entrySet()) {
                    assertEquals(line.get("metrics").get(e.getKey()).get("score").asDouble(), e.getValue().score(),
                            0.0, task.candidateId() + " " + e.getKey());
                }
            }
        }
    }

    @Test
    void aModelThatDiffersFromTheCoordinatorsIsRefusedByName() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runFile = f.runFile("run.yml", EvolutionFixture.LINEAR_RUN);
        Map<String, String> hashes = hashes(f);
        hashes.put(f.b.toString(), "0".repeat(64));
        EvomergeException e = assertThrows(EvomergeException.class, () -> open(runFile, hashes));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().contains("model '" + f.b + "'") && e.getMessage().contains("differs"),
                e.getMessage());
    }
}
