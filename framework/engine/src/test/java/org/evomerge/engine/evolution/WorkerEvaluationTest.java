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
import org.evomerge.engine.evolution.genome.GenomeJson;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.plugin.ExtensionCatalog;
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
        ExtensionCatalog catalog = TestExtensions.catalog();
        Files.createDirectories(temp.resolve("worker-scratch"));
        RunContext context = EvolutionFixture.context(temp.resolve("worker-scratch"), 1);
        EvaluationRun run = new EvaluationRun(runFile, Files.readString(runFile), hashes, List.of(), 11, 1);
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
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runFile = f.runFile("run.yml", EvolutionFixture.LINEAR_RUN);
        Path runDir = temp.resolve("run");
        EvolutionFixture.run(runFile, runDir, false, 2);
        List<JsonNode> evaluations = RunJournal.read(runDir.resolve(RunJournal.FILE)).stream()
                .filter(l -> l.path("type").asText().equals("evaluation") && !l.path("cached").asBoolean()).toList();
        assertTrue(evaluations.size() > 10);
        try (CandidateEvaluator worker = open(runFile, hashes(f))) {
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
