package org.evomerge.engine.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.evaluation.TaskWeights;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.Model;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.engine.evolution.Objectives;
import org.evomerge.engine.evolution.RunFile;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.Mockito;

class EvaluationTasksTest {

    @TempDir
    Path temp;

    /** Scores a model by the first byte of its data file; counts its evaluations. */
    static final class CountingFactory implements EvaluatorFactory {
        final AtomicInteger evaluations = new AtomicInteger();
        final Set<Capability> capabilities;

        CountingFactory(Set<Capability> capabilities) {
            this.capabilities = capabilities;
        }

        @Override
        public ExtensionDescriptor descriptor() {
            return new ExtensionDescriptor("counting", "1.0.0", ExtensionKind.EVALUATOR, "test", ParameterSchema.of(
                    new ParameterSpec("data", ParameterType.PATH, null, null, null, List.of(), true,
                            ParameterScope.GLOBAL, "data"),
                    ParameterSpec.integer("k", 1, 1L, 10L, "k")), capabilities);
        }

        @Override
        public Evaluator create(Parameters parameters, RunContext context) {
            Path data = Path.of(parameters.string("data"));
            return model -> {
                evaluations.incrementAndGet();
                try {
                    double v = Files.readAllBytes(data)[0] * parameters.integer("k");
                    return new EvaluationResult(Map.of("v", v), v);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
        }
    }

    private static ExtensionCatalog catalog(EvaluatorFactory factory) {
        ExtensionCatalog catalog = new ExtensionCatalog();
        catalog.register(factory, "test-plugin");
        return catalog;
    }

    @Test
    void taskFilesResolveDataAgainstTheirFolderAndValidateParameters() throws Exception {
        Path folder = Files.createDirectories(temp.resolve("tasks"));
        Files.write(folder.resolve("d.jsonl"), new byte[] {3});
        Path file = Files.writeString(folder.resolve("my-task.yml"), "evaluator: counting\ndata: d.jsonl\n"
                + "weight: 2\nparameters: {k: '4'}\n");
        TaskDefinition task = TaskFileReader.read(file);
        assertEquals("my-task", task.name());
        assertEquals(2.0, task.weight());
        ResolvedTask resolved = TaskResolver.resolve(task, catalog(new CountingFactory(Set.of())));
        assertEquals(folder.resolve("d.jsonl").toString(), resolved.parameters().string("data"));
        assertEquals(4L, resolved.parameters().integer("k"));
    }

    @Test
    void badTaskFilesNameTheFileAndTheKey() throws Exception {
        Path unknownKey = Files.writeString(temp.resolve("a.yml"), "evaluator: counting\ndataset: x\n");
        EvomergeException e = assertThrows(EvomergeException.class, () -> TaskFileReader.read(unknownKey));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().startsWith(unknownKey + ": unknown key 'dataset'"), e.getMessage());
        Path noEvaluator = Files.writeString(temp.resolve("b.yml"), "data: x\n");
        assertTrue(assertThrows(EvomergeException.class, () -> TaskFileReader.read(noEvaluator)).getMessage()
                .contains("'evaluator' is missing"));
        Path unknownEvaluator = Files.writeString(temp.resolve("c.yml"), "evaluator: bleu\ndata: x\n");
        EvomergeException u = assertThrows(EvomergeException.class, () -> TaskResolver.resolve(
                TaskFileReader.read(unknownEvaluator), catalog(new CountingFactory(Set.of()))));
        assertTrue(u.getMessage().startsWith(unknownEvaluator + ": 'evaluator': unknown evaluator 'bleu';"
                + " installed: counting"), u.getMessage());
        Path typo = Files.writeString(temp.resolve("typo.yml"), "evaluator: countng\ndata: x\n");
        EvomergeException t = assertThrows(EvomergeException.class, () -> TaskResolver.resolve(
                TaskFileReader.read(typo), catalog(new CountingFactory(Set.of()))));
        assertTrue(t.getMessage().startsWith(typo + ": 'evaluator': unknown evaluator 'countng' (did you mean"
                + " 'counting'?); installed: counting"), t.getMessage());
        Path badValue = Files.writeString(temp.resolve("d.yml"), "evaluator: counting\ndata: x\nparameters: {k: 11}\n");
        EvomergeException v = assertThrows(EvomergeException.class, () -> TaskResolver.resolve(
                TaskFileReader.read(badValue), catalog(new CountingFactory(Set.of()))));
        assertEquals(ErrorCategory.CONFIGURATION, v.category());
        assertTrue(v.getMessage().startsWith(badValue + ": counting: parameter 'k'"), v.getMessage());
        Path notYaml = Files.writeString(temp.resolve("e.yml"), "evaluator: [unclosed\n");
        assertTrue(assertThrows(EvomergeException.class, () -> TaskFileReader.read(notYaml)).getMessage()
                .startsWith(notYaml + ":2:1: not valid YAML: expected ',' or ']'"));
    }

    @Test
    void resultsAreCachedByWeightsAndTaskAndInvalidatedByDatasetEdits() throws Exception {
        Files.write(temp.resolve("d.jsonl"), new byte[] {5});
        CountingFactory factory = new CountingFactory(Set.of());
        TaskDefinition definition = new TaskDefinition("t", "counting", 1, false, Map.of("data", "d.jsonl"), "test",
                temp);
        ResolvedTask task = TaskResolver.resolve(definition, catalog(factory));
        EvaluationCache cache = new EvaluationCache(temp.resolve("cache"));
        Model model = model(new float[] {1, 2, 3});
        RunContext context = Mockito.mock(RunContext.class);

        ModelEvaluation.Report first = ModelEvaluation.run(model, List.of(task), context, Optional.of(cache));
        ModelEvaluation.Report second = ModelEvaluation.run(model, List.of(task), context, Optional.of(cache));
        assertEquals(1, factory.evaluations.get(), "the second run is answered from the cache");
        assertEquals(first.tasks(), second.tasks());
        assertEquals(List.of("t"), second.cached());
        assertEquals(5.0, second.fitness());

        ModelEvaluation.run(model(new float[] {1, 2, 4}), List.of(task), context, Optional.of(cache));
        assertEquals(2, factory.evaluations.get(), "other weights, other key");
        Files.write(temp.resolve("d.jsonl"), new byte[] {6});
        assertEquals(6.0, ModelEvaluation.run(model, List.of(task), context, Optional.of(cache)).fitness());
        assertEquals(3, factory.evaluations.get(), "an edited dataset is a new task");

        CountingFactory external = new CountingFactory(Set.of(Capability.EXTERNAL));
        ResolvedTask externalTask = TaskResolver.resolve(definition, catalog(external));
        ModelEvaluation.run(model, List.of(externalTask), context, Optional.of(cache));
        ModelEvaluation.run(model, List.of(externalTask), context, Optional.of(cache));
        assertEquals(2, external.evaluations.get(), "external evaluators are never cached");
    }

    @Test
    void fitnessIsTheWeightedSumOfTaskScoresAsInEvolve() throws Exception {
        Files.write(temp.resolve("a"), new byte[] {1});
        Files.write(temp.resolve("b"), new byte[] {4});
        ExtensionCatalog catalog = catalog(new CountingFactory(Set.of()));
        List<ResolvedTask> tasks = List.of(
                TaskResolver.resolve(new TaskDefinition("a", "counting", 3, true, Map.of("data", "a"), "x", temp),
                        catalog),
                TaskResolver.resolve(new TaskDefinition("b", "counting", 1, false, Map.of("data", "b"), "x", temp),
                        catalog));
        ModelEvaluation.Report report = ModelEvaluation.run(model(new float[] {0}), tasks,
                Mockito.mock(RunContext.class), Optional.empty());
        assertEquals(3 * 1 + 4, report.fitness());
        assertEquals(List.of(), report.warnings(), "a weight was given");
        // evolve's weighted objective over the same results: the same number (it was the sum while eval took the mean)
        Objectives objectives = new Objectives(RunFile.ObjectiveMode.WEIGHTED,
                new TaskWeights(Map.of("a", 3.0, "b", 1.0), true), w -> { });
        assertEquals(report.fitness(), objectives.fitness(report.tasks()).primary());
    }

    @Test
    void unweightedTasksOfDifferentScalesAreReportedWithAWarning() throws Exception {
        Files.write(temp.resolve("a"), new byte[] {1});
        Files.write(temp.resolve("b"), new byte[] {4});
        ExtensionCatalog catalog = catalog(new CountingFactory(Set.of()));
        List<ResolvedTask> tasks = List.of(
                TaskResolver.resolve(new TaskDefinition("a", "counting", 1, false, Map.of("data", "a"), "x", temp),
                        catalog),
                TaskResolver.resolve(new TaskDefinition("b", "counting", 1, false, Map.of("data", "b"), "x", temp),
                        catalog));
        ModelEvaluation.Report report = ModelEvaluation.run(model(new float[] {0}), tasks,
                Mockito.mock(RunContext.class), Optional.empty());
        assertEquals(5.0, report.fitness());
        assertEquals(1, report.warnings().size());
        assertTrue(report.warnings().getFirst().contains("'b' (4.0) outside [0, 1], 'a' (1.0) within it"),
                report.warnings().getFirst());
        List<String> logged = new java.util.ArrayList<>();
        Objectives objectives = new Objectives(RunFile.ObjectiveMode.WEIGHTED,
                new TaskWeights(Map.of("a", 1.0, "b", 1.0), false), logged::add);
        objectives.fitness(report.tasks());
        objectives.fitness(report.tasks());
        assertEquals(report.warnings(), logged, "evolve warns once per run, with the same words");
    }

    @Test
    void weightsHashSeesEveryByteAndEveryNameButNotStorage() {
        Set<Long> hashes = new HashSet<>();
        byte[] bytes = new byte[71]; // four 32-byte stripes' worth of tail cases: 64 + 7
        hashes.add(WeightsHash.bytes(MemorySegment.ofArray(bytes)));
        for (int i = 0; i < bytes.length; i++) {
            byte[] flipped = bytes.clone();
            flipped[i] ^= 1;
            assertTrue(hashes.add(WeightsHash.bytes(MemorySegment.ofArray(flipped))), "byte " + i + " changes the hash");
        }
        assertNotEquals(WeightsHash.bytes(MemorySegment.ofArray(new byte[8])),
                WeightsHash.bytes(MemorySegment.ofArray(new byte[9])), "length counts");
        MemorySegment offHeap = Arena.ofAuto().allocate(71);
        assertEquals(WeightsHash.bytes(MemorySegment.ofArray(new byte[71])), WeightsHash.bytes(offHeap));
        assertEquals(WeightsHash.of(model(new float[] {1, 2})), WeightsHash.of(model(new float[] {1, 2})));
        assertNotEquals(WeightsHash.of(model(new float[] {1, 2})), WeightsHash.of(model(new float[] {2, 1})));
    }

    static Model model(float[] values) {
        return org.evomerge.engine.evaluation.TestModels.floats("w", values);
    }
}
