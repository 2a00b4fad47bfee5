package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.genome.LayerPathGenome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.selection.Fitness;
import org.evomerge.engine.evolution.genome.GenomeJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunJournalTest {

    @TempDir
    Path temp;

    @Test
    void aTornLastLineIsIgnoredAndCutOffOnReopen() throws Exception {
        try (RunJournal journal = RunJournal.open(temp)) {
            journal.append(Map.of("type", "start", "seed", 1));
            journal.append(Map.of("type", "generation", "generation", 1));
        }
        Path file = temp.resolve(RunJournal.FILE);
        Files.writeString(file, "{\"type\":\"evaluation\",\"id\":\"g2-", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        assertEquals(2, RunJournal.read(file).size());
        try (RunJournal journal = RunJournal.open(temp)) {
            assertEquals(2, journal.existing().size());
            journal.append(Map.of("type", "resume"));
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size());
        assertEquals("{\"type\":\"resume\"}", lines.get(2));
    }

    @Test
    void aBrokenCompleteLineIsAnInputErrorNamingTheLine() throws Exception {
        Files.writeString(temp.resolve(RunJournal.FILE), "{\"type\":\"start\"}\nnot json\n");
        EvomergeException e = assertThrows(EvomergeException.class, () -> RunJournal.open(temp));
        assertEquals(org.evomerge.api.ErrorCategory.INPUT, e.category());
        assertEquals(true, e.getMessage().contains("journal.jsonl:2"), e.getMessage());
    }

    @Test
    void evaluationRecordsAndGenomesRoundTripExactly() {
        double[] awkward = {0.1, 1.0 / 3, -0.0, 1e-310, Math.nextUp(0.5)};
        for (var genome : List.of(new ParameterGenome(awkward), new ModelGenome(temp.resolve("m"), "abc"),
                new LayerPathGenome(List.of(new LayerPathGenome.Step(1, 3, 0.7), new LayerPathGenome.Step(0, 0, 1))))) {
            Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
            metrics.put("task", Map.of("acc", 0.25));
            EvaluationRecord r = new EvaluationRecord("g2-1", 2, genome, List.of("g1-0"), Fitness.of(0.1 + 0.2, -1),
                    metrics, 1.5, false, "full");
            EvaluationRecord back = EvaluationRecord.fromJson(RunJournal.tree(r.toJson()));
            assertEquals(GenomeJson.key(genome), GenomeJson.key(back.genome()));
            assertEquals(r.fitness(), back.fitness());
            assertEquals(r.metrics(), back.metrics());
            assertEquals(r.parents(), back.parents());
        }
    }
}
