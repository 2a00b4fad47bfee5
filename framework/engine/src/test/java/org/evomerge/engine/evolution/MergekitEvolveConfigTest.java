package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mergekit-evolve configuration, as mergekit's docs/evolve.md writes one, translated into the run model: genome
 * settings, pycma's CMA-ES settings from the options, tasks as lm-eval tasks of the search path with
 * mergekit-evolve's evaluation defaults, and its benchmark guard with the same prefixes and flag.
 */
class MergekitEvolveConfigTest {

    @TempDir
    Path temp;

    private Path tasks;

    @BeforeEach
    void setUp() throws IOException {
        tasks = Files.createDirectories(temp.resolve("tasks"));
        for (String name : List.of("my_task", "arc_easy", "gsm8k_train", "mmlu_abstract_algebra")) {
            Files.writeString(tasks.resolve(name + ".yaml"), """
                    task: %s
                    dataset_path: json
                    dataset_kwargs:
                      data_files:
                        test: data.jsonl
                    test_split: test
                    output_type: multiple_choice
                    doc_to_text: "{{question}}"
                    doc_to_choice: "{{choices}}"
                    doc_to_target: label
                    metric_list:
                      - metric: acc
                    """.formatted(name));
        }
        for (String model : List.of("a", "b", "base")) {
            Files.createDirectories(temp.resolve("models").resolve(model));
        }
    }

    private MergekitEvolveConfig.Options options(boolean allowBenchmarks) {
        return new MergekitEvolveConfig.Options(temp, 100, 1.0 / 6, OptionalInt.empty(), List.of(tasks), 0,
                OptionalDouble.empty(), allowBenchmarks, Map.of("HF_HUB_CACHE", temp.resolve("hub").toString()),
                temp);
    }

    private Path config(String text) throws IOException {
        return Files.writeString(temp.resolve("evol.yml"), text);
    }

    @Test
    void theDocsExampleTranslatesIntoTheRunModel() throws IOException {
        Path file = config("""
                genome:
                    models:
                      - models/a
                      - models/b
                    merge_method: dare_ties
                    base_model: models/base
                    tokenizer_source: null # optional
                    layer_granularity: 8
                    normalize: false
                    allow_negative_weights: false
                    smooth: false
                    filters: [self_attn, mlp]
                tasks:
                  - name: my_task
                    weight: 1.0 # optional
                    metric: "acc,none" # defaults to acc,none
                limit: 50
                num_fewshot: 2
                """);
        assertTrue(MergekitEvolveConfig.isConfig(file));
        MergekitEvolveConfig.Translation translation = MergekitEvolveConfig.read(file, options(false));
        RunFile run = translation.run();
        assertEquals(List.of(temp.resolve("models/a"), temp.resolve("models/b")), run.models());
        assertEquals(temp.resolve("models/base"), run.baseModel().orElseThrow());
        RunFile.GenomeSettings genome = run.genome();
        assertEquals(RunFile.GenomeKind.MERGEKIT_EVOLVE, genome.kind());
        assertEquals("dare_ties", genome.mergeMethod());
        assertEquals(List.of("self_attn", "mlp"), genome.filters());
        assertEquals("mergekit", genome.init());
        RunFile.MergekitEvolveGenome settings = genome.mergekitEvolve().orElseThrow();
        assertEquals(8, settings.layerGranularity());
        assertEquals(Optional.of(false), settings.normalize());
        assertEquals("cma-es", run.strategy().id());
        assertEquals(Map.of("sigma", 1.0 / 6, "population_size", 0L, "restarts", 0L, "bound_handling", "none"),
                run.strategy().parameters());
        assertEquals(100, run.budget().evaluations().orElseThrow());
        assertEquals(0, run.seed().orElseThrow());
        RunFile.Task task = run.tasks().getFirst();
        assertEquals("my_task", task.name());
        assertEquals("lm-eval", task.evaluator());
        assertEquals("acc,none", task.parameters().get("metric"));
        assertEquals(50L, task.parameters().get("limit"));
        assertEquals(2L, task.parameters().get("num_fewshot"));
        assertEquals(true, task.parameters().get("apply_chat_template"));
        assertEquals(true, task.parameters().get("fewshot_as_multiturn"));
        assertTrue(translation.notices().isEmpty(), translation.notices().toString());
    }

    @Test
    void optionsSetTheSearchAndBareTaskNamesReadAsPydanticReadsThem() throws IOException {
        Path file = config("""
                genome: {models: [models/a, models/b], merge_method: linear}
                tasks: [my_task]
                random_init: true
                apply_chat_template: "false"
                shuffle: true
                """);
        MergekitEvolveConfig.Translation translation = MergekitEvolveConfig.read(file, new MergekitEvolveConfig.Options(
                temp, 30, 0.25, OptionalInt.of(7), List.of(tasks), 11, OptionalDouble.of(600), false, Map.of(),
                temp));
        RunFile run = translation.run();
        assertEquals(30, run.budget().evaluations().orElseThrow());
        assertEquals(600, run.budget().seconds().orElseThrow());
        assertEquals(11, run.seed().orElseThrow());
        assertEquals(0.25, run.strategy().parameters().get("sigma"));
        assertEquals(7L, run.strategy().parameters().get("population_size"));
        assertEquals("random", run.genome().init());
        assertEquals(1.0, run.tasks().getFirst().weight());
        assertEquals(false, run.tasks().getFirst().parameters().get("apply_chat_template"));
        assertFalse(run.tasks().getFirst().parameters().containsKey("limit"));
        assertEquals(1, translation.notices().size());
        assertTrue(translation.notices().getFirst().contains("'shuffle: true' has no effect"),
                translation.notices().toString());
    }

    @Test
    void benchmarkTasksAreRefusedWithMergekitEvolvesFlagAndAcceptedWithIt() throws IOException {
        for (String name : List.of("mmlu_abstract_algebra", "arc_easy")) {
            Path file = config("genome: {models: [models/a, models/b], merge_method: linear}\ntasks:\n  - name: "
                    + name + "\n");
            EvomergeException refused = assertThrows(EvomergeException.class,
                    () -> MergekitEvolveConfig.read(file, options(false)));
            assertTrue(refused.getMessage().contains("evol.yml:3:"), refused.getMessage());
            assertTrue(refused.getMessage().contains(": Task " + name + " is a common benchmark task. Optimizing"
                    + " against this task directly is unsporting at best"), refused.getMessage());
            assertTrue(refused.getMessage().endsWith("To proceed, set the"
                    + " --i-understand-the-depths-of-the-evils-i-am-unleashing flag."), refused.getMessage());
            MergekitEvolveConfig.Translation allowed = MergekitEvolveConfig.read(file, options(true));
            assertEquals(name, allowed.run().tasks().getFirst().name());
            assertTrue(allowed.notices().getFirst().contains("is a common benchmark task"));
        }
        // "_train" tasks pass, as in mergekit-evolve
        Path train = config("genome: {models: [models/a, models/b], merge_method: linear}\ntasks: [gsm8k_train]\n");
        assertEquals("gsm8k_train", MergekitEvolveConfig.read(train, options(false)).run().tasks().getFirst().name());
        assertEquals(List.of("mmlu", "hendrycks", "agieval", "gsm8k", "hellaswag", "winogrande", "arc_", "ai2_arc",
                "truthfulqa", "bigbench", "piqa", "openbookqa", "leaderboard"), MergekitEvolveConfig.BENCHMARK_PREFIXES);
    }

    @Test
    void badConfigurationsAreOneLineNamingFileLineAndKey() throws IOException {
        Path typo = config("genome:\n  models: [models/a, models/b]\n  merge_method: linear\n  layer_granulrity: 4\n"
                + "tasks: [my_task]\n");
        EvomergeException e = assertThrows(EvomergeException.class, () -> MergekitEvolveConfig.read(typo,
                options(false)));
        assertTrue(e.getMessage().contains("evol.yml:4:"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown key 'genome.layer_granulrity'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'layer_granularity'"), e.getMessage());

        Path noBase = config("genome: {models: [models/a, models/b], merge_method: ties}\ntasks: [my_task]\n");
        e = assertThrows(EvomergeException.class, () -> MergekitEvolveConfig.read(noBase, options(false)));
        assertTrue(e.getMessage().contains("'genome.base_model' is missing; merge method 'ties' needs one"),
                e.getMessage());

        Path unknownTask = config("genome: {models: [models/a, models/b], merge_method: linear}\n"
                + "tasks: [{name: my_tsk}]\n");
        e = assertThrows(EvomergeException.class, () -> MergekitEvolveConfig.read(unknownTask, options(false)));
        assertTrue(e.getMessage().contains("task 'my_tsk': no task, group or tag of that name in " + tasks),
                e.getMessage());

        Path slerpSmooth = config("genome: {models: [models/a, models/b], merge_method: slerp, smooth: true}\n"
                + "tasks: [my_task]\n");
        e = assertThrows(EvomergeException.class, () -> MergekitEvolveConfig.read(slerpSmooth, options(false)));
        assertTrue(e.getMessage().contains("smooth is not supported for slerp merge method"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void hubIdsResolveInTheLocalCache() throws IOException {
        Path snapshot = Files.createDirectories(temp.resolve("hub/models--org--model-a/snapshots/0123abc"));
        Files.createDirectories(temp.resolve("hub/models--org--model-a/refs"));
        Files.writeString(temp.resolve("hub/models--org--model-a/refs/main"), "0123abc");
        Path file = config("genome: {models: [org/model-a, models/b], merge_method: linear}\ntasks: [my_task]\n");
        assertEquals(snapshot, MergekitEvolveConfig.read(file, options(false)).run().models().getFirst());
        Path missing = config("genome: {models: [org/model-z@v2, models/b], merge_method: linear}\n"
                + "tasks: [my_task]\n");
        EvomergeException e = assertThrows(EvomergeException.class, () -> MergekitEvolveConfig.read(missing,
                options(false)));
        assertTrue(e.getMessage().contains("model 'org/model-z@v2' is not " + temp.resolve("org/model-z@v2")
                + " and not in the Hugging Face hub cache (no " + temp.resolve("hub/models--org--model-z") + ")"),
                e.getMessage());
        assertTrue(e.getMessage().contains("downloads nothing"), e.getMessage());
    }

    @Test
    void aLowerIsBetterMetricKeepsTheFitnessWeightTimesMetric() throws IOException {
        // mergekit-evolve's docs: give perplexities a negative weight. Its score is weight * metric; the lm-eval
        // evaluator scores a lower-is-better metric negated, so the run's weight is negated to keep that score.
        Files.writeString(tasks.resolve("wiki_ppl.yaml"), """
                task: wiki_ppl
                dataset_path: json
                dataset_kwargs: {data_files: {test: wiki.jsonl}}
                test_split: test
                output_type: loglikelihood_rolling
                doc_to_text: ""
                doc_to_target: "{{page}}"
                metric_list:
                  - metric: word_perplexity
                  - metric: bits_per_byte
                    higher_is_better: true
                """);
        Path file = config("""
                genome: {models: [models/a, models/b], merge_method: linear}
                tasks:
                  - {name: wiki_ppl, weight: -0.5, metric: "word_perplexity,none"}
                  - {name: my_task, weight: 2}
                """);
        List<RunFile.Task> run = MergekitEvolveConfig.read(file, options(false)).run().tasks();
        assertEquals(0.5, run.get(0).weight());
        assertEquals(2.0, run.get(1).weight());
    }
}
