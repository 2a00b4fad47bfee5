package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFileReaderTest {

    @TempDir
    Path temp;

    private static final String MINIMAL = """
            models: [a, b]
            genome: {kind: recipe, merge_method: linear}
            strategy: cma-es
            evaluators:
              - {name: t, evaluator: perplexity, data: data/t.jsonl}
            budget: {evaluations: 10}
            """;

    private RunFile parse(String text) {
        return RunFileReader.parse(text, temp.resolve("run.yml"));
    }

    private String error(String text) {
        EvomergeException e = assertThrows(EvomergeException.class, () -> parse(text));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().startsWith(temp.resolve("run.yml").toString() + ": "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void readsAMinimalRunFileWithDefaults() {
        RunFile run = parse(MINIMAL);
        assertEquals(List.of(temp.resolve("a"), temp.resolve("b")), run.models());
        assertEquals("cma-es", run.strategy().id());
        assertEquals(RunFile.ObjectiveMode.WEIGHTED, run.objectives());
        assertEquals(1, run.workers());
        assertEquals(10, run.budget().evaluations().getAsLong());
        assertEquals(temp.resolve("data/t.jsonl"), run.tasks().getFirst().data().orElseThrow());
        assertEquals("bfloat16", run.genome().storage());
        assertEquals(1, run.genome().layerGroups());
    }

    @Test
    void errorsNameTheKey() {
        assertTrue(error(MINIMAL + "colour: blue\n").contains("unknown key 'colour'"));
        assertTrue(error(MINIMAL.replace("kind: recipe", "kind: recipe, layer_group: 2"))
                .contains("unknown key 'genome.layer_group'"));
        assertTrue(error(MINIMAL.replace("kind: recipe", "kind: genes")).contains("'genome.kind'"));
        assertTrue(error(MINIMAL.replace("evaluations: 10", "evaluations: ten")).contains("'budget.evaluations'"));
        assertTrue(error(MINIMAL.replace("evaluations: 10", "time: soon")).contains("'budget.time'"));
        assertTrue(error(MINIMAL.replace("budget: {evaluations: 10}", "budget: {}")).contains("'budget'"));
        assertTrue(error(MINIMAL.replace("models: [a, b]", "models: []")).contains("'models' is empty"));
        assertTrue(error(MINIMAL + "workers: 0\n").contains("'workers'"));
        assertTrue(error(MINIMAL + "multi_fidelity: {sample: 2.5}\n").contains("'multi_fidelity.sample'"));
        assertTrue(error(MINIMAL.replace("{name: t,", "{evaluator_id: x, name: t,"))
                .contains("unknown key 'evaluators[0].evaluator_id'"));
        assertTrue(error("models: [a\n").contains("not valid YAML"));
    }

    @Test
    void initIsANamedStartOrAMappingOfStartingValues() {
        assertEquals("center", parse(MINIMAL.replace("kind: recipe", "kind: recipe, init: center")).genome().init());
        RunFile.GenomeSettings values = parse(MINIMAL.replace("kind: recipe",
                "kind: recipe, init: {weight: 1.0, density: 0.5}")).genome();
        assertEquals("values", values.init());
        assertEquals(Map.of("weight", 1.0, "density", 0.5), values.initValues());
        assertTrue(error(MINIMAL.replace("kind: recipe", "kind: recipe, init: middle")).contains("'genome.init'"));
        assertTrue(error(MINIMAL.replace("kind: recipe", "kind: recipe, init: {weight: high}"))
                .contains("'genome.init.weight'"));
        assertTrue(error(MINIMAL.replace("kind: recipe", "kind: recipe, init: {}")).contains("'genome.init'"));
    }

    @Test
    void durationsReadAsSeconds() {
        assertEquals(90, RunFileReader.duration(temp, "90s"));
        assertEquals(1800, RunFileReader.duration(temp, "30m"));
        assertEquals(7200, RunFileReader.duration(temp, "2h"));
        assertEquals(45, RunFileReader.duration(temp, 45));
    }

    @Test
    void taskFilesHoldTheSameKeys() throws Exception {
        Files.createDirectories(temp.resolve("tasks"));
        Files.writeString(temp.resolve("tasks/arc.yml"), "name: arc\nevaluator: multiple-choice\ndata: arc.jsonl\n"
                + "weight: 0.6\nparameters: {num_fewshot: 0}\n");
        RunFile run = parse(MINIMAL.replace("- {name: t, evaluator: perplexity, data: data/t.jsonl}",
                "- task: tasks/arc.yml"));
        RunFile.Task task = run.tasks().getFirst();
        assertEquals("arc", task.name());
        assertEquals(0.6, task.weight());
        assertTrue(task.weightGiven());
        assertFalse(parse(MINIMAL).tasks().getFirst().weightGiven(), "no weight: the default 1");
        assertEquals(temp.resolve("tasks/arc.jsonl"), task.data().orElseThrow());
    }

    /** Every example under docs/examples parses (their models are not on this machine; only the file is checked). */
    @Test
    void theDocumentedExamplesParse() throws Exception {
        Path examples = Path.of(System.getProperty("user.dir")).resolve("../../docs/examples").normalize();
        List<Path> files;
        try (Stream<Path> list = Files.list(examples)) {
            files = list.filter(p -> p.getFileName().toString().startsWith("evolve-")).sorted().toList();
        }
        assertEquals(5, files.size(), files.toString());
        for (Path file : files) {
            RunFile run = RunFileReader.read(file);
            assertTrue(!run.tasks().isEmpty(), file.toString());
        }
    }
}
