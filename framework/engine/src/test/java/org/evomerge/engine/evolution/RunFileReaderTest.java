package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.evolution.genome.LayerPathSpace;
import org.evomerge.engine.lora.LoraReference;
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
        assertTrue(e.getMessage().matches(Pattern.quote(temp.resolve("run.yml").toString()) + "(:\\d+:\\d+)?: .*"),
                e.getMessage());
        return e.getMessage();
    }

    /** The error's {@code FILE:LINE:COLUMN: } prefix, cut off; fails when the error names no line. */
    private String at(String file, int line, int column, String message) {
        String prefix = temp.resolve(file) + ":" + line + ":" + column + ": ";
        assertTrue(message.startsWith(prefix), message + " should start with " + prefix);
        return message.substring(prefix.length());
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
    void aLoraReferenceResolvesBothPartsBesideTheRunFile() {
        RunFile run = parse(MINIMAL.replace("models: [a, b]", "models: [a+adapters/x, b]\nbase_model: base+../y"));
        assertEquals(new LoraReference(temp.resolve("a"), temp.resolve("adapters/x")).path(), run.models().getFirst());
        assertEquals(new LoraReference(temp.resolve("base"), temp.getParent().resolve("y")),
                LoraReference.of(run.baseModel().orElseThrow()).orElseThrow());
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
        assertTrue(error("models: [a\n").startsWith(temp.resolve("run.yml") + ":2:1: not valid YAML: expected ',' or"
                + " ']', but got <stream end> (while parsing a flow sequence at 1:9)"));
    }

    @Test
    void aNulByteInAPathIsAnInputErrorNamingTheKey() {
        for (String[] bad : new String[][] {{"models: [a, b]", "models: [a, \"b\\0\"]", "'models[1]'"},
                {"data: data/t.jsonl", "data: \"data/t\\0.jsonl\"", "'evaluators[0].data'"}}) {
            EvomergeException e = assertThrows(EvomergeException.class, () -> parse(MINIMAL.replace(bad[0], bad[1])));
            assertEquals(ErrorCategory.INPUT, e.category());
            assertTrue(e.getMessage().matches(Pattern.quote(temp.resolve("run.yml").toString()) + ":\\d+:\\d+: "
                    + Pattern.quote(bad[2]) + ": '.*"), e.getMessage());
            assertTrue(e.getMessage().contains("\\x00") && e.getMessage().contains("' is not a valid path (Nul"),
                    e.getMessage());
        }
    }

    /**
     * Whole numbers held in an {@code int} were cut to 32 bits: {@code workers: 4294967296} became 0 (a division by
     * zero later), {@code 4294967297} one worker, {@code layer_groups: 4294967298} two groups.
     */
    @Test
    void wholeNumbersOutOfRangeAreRefusedNamingFileLineAndKey() {
        assertEquals("'workers' must be at most 2147483647, got 4294967296",
                at("run.yml", 7, 1, error(MINIMAL + "workers: 4294967296\n")));
        assertEquals("'workers' must be at most 2147483647, got 4294967297",
                at("run.yml", 7, 1, error(MINIMAL + "workers: 4294967297\n")));
        assertEquals(2147483647, parse(MINIMAL + "workers: 2147483647\n").workers());
        assertEquals("'genome.layer_groups' must be at most 2147483647, got 4294967298",
                at("run.yml", 2, 24, error(MINIMAL.replace("kind: recipe", "kind: recipe, layer_groups: 4294967298"))));
        assertEquals("'genome.repeats' must be at most 2147483647, got 4294967297", at("run.yml", 2, 24,
                error(MINIMAL.replace("kind: recipe", "kind: recipe, repeats: 4294967297"))));
        assertEquals("'kinship.top' must be at most 2147483647, got 4294967299",
                at("run.yml", 7, 11, error(MINIMAL + "kinship: {top: 4294967299}\n")));
        assertEquals("'kinship.every' must be at most 2147483647, got 4294967297",
                at("run.yml", 8, 3, error(MINIMAL + "kinship:\n  every: 4294967297\n")));
        assertEquals("'kinship.every' must be at least 1, got -4294967295",
                at("run.yml", 7, 11, error(MINIMAL + "kinship: {every: -4294967295}\n")));
        // 64-bit keys take the whole long range, and no more.
        assertEquals(Long.MIN_VALUE, parse(MINIMAL + "seed: -9223372036854775808\n").seed().getAsLong());
        assertEquals("'seed' must be at most 9223372036854775807, got 18446744073709551617",
                at("run.yml", 7, 1, error(MINIMAL + "seed: 18446744073709551617\n")));
        assertEquals("'budget.evaluations' must be at most 9223372036854775807, got 9223372036854775808",
                at("run.yml", 6, 10, error(MINIMAL.replace("evaluations: 10", "evaluations: 9223372036854775808"))));
        assertEquals("'multi_fidelity.sample_seed' must be at least -9223372036854775808, got -9223372036854775809",
                at("run.yml", 7, 31, error(MINIMAL + "multi_fidelity: {sample: 0.5, sample_seed: -9223372036854775809}\n")));
    }

    @Test
    void subsetEstimateIsReadWithItsDefaultsAndCheckedKeyByKey() {
        RunFile.SubsetEstimate s = parse(MINIMAL + "subset_estimate: {fraction: 0.1}\n").subsetEstimate()
                .orElseThrow();
        assertEquals(0.1, s.fraction().getAsDouble());
        assertTrue(s.anchors().isEmpty());
        assertEquals(0, s.seed());
        assertEquals("gp-irt", s.estimator());
        s = parse(MINIMAL + "subset_estimate: {anchors: 25, seed: 3, estimator: p-irt}\n").subsetEstimate()
                .orElseThrow();
        assertEquals(25, s.anchors().getAsInt());
        assertEquals(3, s.seed());
        assertEquals("p-irt", s.estimator());
        assertTrue(parse(MINIMAL).subsetEstimate().isEmpty());
        assertTrue(error(MINIMAL + "subset_estimate: {seed: 3}\n")
                .contains("'subset_estimate' needs one of 'fraction' or 'anchors'"));
        assertTrue(error(MINIMAL + "subset_estimate: {fraction: 0.1, anchors: 3}\n")
                .contains("'subset_estimate' needs one of 'fraction' or 'anchors'"));
        assertTrue(error(MINIMAL + "subset_estimate: {fraction: 1.5}\n")
                .contains("'subset_estimate.fraction' must be in (0, 1], got 1.5"));
        assertTrue(error(MINIMAL + "subset_estimate: {anchors: 0}\n").contains("'subset_estimate.anchors'"));
        assertTrue(error(MINIMAL + "subset_estimate: {fraction: 0.1, estimator: irt}\n")
                .contains("'subset_estimate.estimator' must be gp-irt, p-irt or anchor, got 'irt'"));
        assertTrue(error(MINIMAL + "subset_estimate: {fraction: 0.1, size: 3}\n")
                .contains("unknown key 'subset_estimate.size'"));
        assertTrue(error(MINIMAL + "subset_estimate: {fraction: 0.1}\nmulti_fidelity: {sample: 0.5}\n")
                .contains("'subset_estimate' and 'multi_fidelity' cannot be used together"));
        assertTrue(error(MINIMAL + "subset_estimate: {fraction: 0.1}\nexecution: spark\n")
                .contains("'subset_estimate': a run with 'execution' scores candidates in full"));
        assertTrue(error(MINIMAL + "subset_estimate: {fraction: 0.1}\nstages: [{name: a}]\n")
                .contains("'subset_estimate': a run file with stages scores candidates in full"));
    }

    @Test
    void subsetEstimateRefitsAreReadAndTheirErrorsNameTheKey() {
        RunFile.SubsetEstimate s = parse(MINIMAL + "subset_estimate: {fraction: 0.1}\n").subsetEstimate()
                .orElseThrow();
        assertTrue(s.refitEvery().isEmpty());
        s = parse(MINIMAL + "subset_estimate: {fraction: 0.1, refit_every: 2}\n").subsetEstimate().orElseThrow();
        assertEquals(2, s.refitEvery().getAsInt());
        assertEquals(1, s.refitCandidates());
        s = parse(MINIMAL + "subset_estimate: {fraction: 0.1, refit_every: 3, refit_candidates: 2}\n")
                .subsetEstimate().orElseThrow();
        assertEquals(3, s.refitEvery().getAsInt());
        assertEquals(2, s.refitCandidates());
        assertTrue(error(MINIMAL + "subset_estimate: {fraction: 0.1, refit_every: 0}\n")
                .endsWith(": 'subset_estimate.refit_every' must be at least 1, got 0"));
        assertTrue(error(MINIMAL + "subset_estimate: {fraction: 0.1, refit_every: often}\n")
                .contains("'subset_estimate.refit_every'"));
        assertTrue(error(MINIMAL + "subset_estimate: {fraction: 0.1, refit_every: 1.5}\n")
                .contains("'subset_estimate.refit_every'"));
        assertTrue(error(MINIMAL + "subset_estimate: {fraction: 0.1, refit_every: 2, refit_candidates: 0}\n")
                .contains("'subset_estimate.refit_candidates' must be at least 1, got 0"));
        assertTrue(error(MINIMAL + "subset_estimate: {fraction: 0.1, refit_candidates: 2}\n")
                .contains("'subset_estimate.refit_candidates' needs 'subset_estimate.refit_every'"));
    }

    @Test
    void errorsInATaskFileNameTheTaskFileAndItsLine() throws Exception {
        Files.createDirectories(temp.resolve("tasks"));
        Files.writeString(temp.resolve("tasks/arc.yml"), "name: arc\nevaluator: multiple-choice\ndata: arc.jsonl\n"
                + "weight: heavy\n");
        EvomergeException e = assertThrows(EvomergeException.class, () -> parse(MINIMAL.replace(
                "- {name: t, evaluator: perplexity, data: data/t.jsonl}", "- task: tasks/arc.yml")));
        assertEquals("'weight' must be a number, got heavy", at("tasks/arc.yml", 4, 1, e.getMessage()));
        RunFile run = parse(MINIMAL);
        assertEquals(temp.resolve("run.yml") + ":5:5: 'evaluators[0]'", run.tasks().getFirst().key());
    }

    @Test
    void theRunFileLocatesItsKeys() {
        RunFile run = parse(MINIMAL + "selection:\n  id: tournament\n  parameters:\n    size: 3\n");
        String file = run.file().toString();
        assertEquals(file + ":10:5", run.where("selection.parameters.size"));
        // A key the file does not have is placed at its deepest ancestor that it has.
        assertEquals(file + ":9:3", run.where("selection.parameters.missing"));
        assertEquals(file + ":2:10", run.where("genome.kind"));
        assertEquals(file + ":1:1", run.where("models"));
        assertEquals(file + ":1:13", run.where("models[1]"));
        assertEquals(file, run.where("nowhere"));
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
    void layerPathScalingIsSlotUnlessTheFileNamesIt() {
        String paths = MINIMAL.replace("{kind: recipe, merge_method: linear}", "{kind: layer-path, repeats: 2}");
        // Files written before genome.scaling existed keep their per-slot scales (and resume as they ran).
        assertEquals(LayerPathSpace.Scaling.SLOT, parse(paths).genome().scaling());
        assertEquals(LayerPathSpace.Scaling.TRANSITION, parse(paths.replace("repeats: 2",
                "repeats: 2, scaling: transition")).genome().scaling());
        assertEquals(LayerPathSpace.Scaling.NONE, parse(paths.replace("repeats: 2", "repeats: 2, scaling: none"))
                .genome().scaling());
        assertEquals("'genome.scaling' must be transition, slot or none, got 'matrix'", at("run.yml", 2, 40,
                error(paths.replace("repeats: 2", "repeats: 2, scaling: matrix"))));
        assertTrue(at("run.yml", 2, 61, error(paths.replace("repeats: 2",
                "repeats: 2, scaling: transition, scale_bounds: [0, 2]")))
                .startsWith("'genome.scale_bounds' must be above 0 with scaling: transition"));
        assertEquals(-1.0, parse(paths.replace("repeats: 2", "repeats: 2, scale_bounds: [-1, 2]")).genome()
                .scaleBounds()[0], "per-slot scales may be negative, as before");
    }

    private static final String STAGED = """
            models: [a, b]
            evaluators:
              - {name: t, evaluator: perplexity, data: data/t.jsonl}
            strategy: cma-es
            stages:
              - name: ps
                genome: {kind: recipe, merge_method: linear}
                budget: {evaluations: 10}
              - name: dfs
                models: [{stage: ps}, a]
                genome: {kind: layer-path, repeats: 2, scaling: transition}
                budget: {evaluations: 20}
            """;

    @Test
    void stagesAreTheFilesKeysWithTheStagesOverThem() {
        RunFile run = parse(STAGED);
        assertEquals(2, run.stages().size());
        RunFile ps = run.stages().get(0);
        RunFile dfs = run.stages().get(1);
        // The file reads as its first stage.
        assertEquals(RunFile.GenomeKind.RECIPE, run.genome().kind());
        assertEquals(new RunFile.Stage(1, "ps", java.util.Set.of("genome", "budget"), Map.of()),
                ps.stage().orElseThrow());
        assertEquals(List.of(temp.resolve("a"), temp.resolve("b")), ps.models());
        assertEquals("cma-es", dfs.strategy().id());
        assertEquals(20, dfs.budget().evaluations().getAsLong());
        assertEquals(LayerPathSpace.Scaling.TRANSITION, dfs.genome().scaling());
        // PS's best model: stages/1-ps/best of the run folder, known when the run starts.
        assertEquals(List.of(Path.of("stages/1-ps/best"), temp.resolve("a")), dfs.models());
        assertEquals(Map.of(0, 1), dfs.stage().orElseThrow().fromStages());
        assertEquals(List.of(temp.resolve("runs/r/stages/1-ps/best"), temp.resolve("a")),
                dfs.inRunFolder(temp.resolve("runs/r")).models());
        // A stage's keys are found where the stage sets them, the others at the top.
        String file = run.file().toString();
        assertEquals(file + ":11:32", dfs.where("genome.repeats"));
        assertEquals(file + ":4:1", dfs.where("strategy"));
        assertEquals(file + ":7:14", ps.where("genome.kind"));
    }

    @Test
    void stageErrorsNameTheStagesKey() {
        assertEquals("'models[0].stage' names 'dfs', which is not an earlier stage (earlier: ps)", at("run.yml", 10,
                15, error(STAGED.replace("{stage: ps}", "{stage: dfs}"))));
        assertTrue(at("run.yml", 10, 15, error(STAGED.replace("{stage: ps}", "{stage: psx}")))
                .endsWith("(earlier: ps)"));
        assertEquals("'stages[1].name': stage name 'ps' is used twice", at("run.yml", 9, 5,
                error(STAGED.replace("name: dfs", "name: ps"))));
        assertTrue(at("run.yml", 9, 5, error(STAGED.replace("name: dfs", "name: d/fs")))
                .startsWith("'stages[1].name' must be letters, digits"));
        assertTrue(at("run.yml", 10, 5, error(STAGED.replace("models: [{stage: ps}, a]", "seed: 3")))
                .startsWith("unknown key 'stages[1].seed'"));
        assertTrue(at("run.yml", 11, 44, error(STAGED.replace("scaling: transition", "scaling: matrix")))
                .startsWith("'genome.scaling' must be"));
        assertEquals("'models[0].stage' names 'ps', which is not an earlier stage (the run file has no stages)",
                at("run.yml", 1, 11, error(MINIMAL.replace("models: [a, b]", "models: [{stage: ps}, b]"))));
        assertTrue(error(STAGED + "execution: {id: spark}\n").contains("evaluates on the local worker pool"));
        assertTrue(error("models: [a]\nstages: []\n").endsWith("'stages' is empty"));
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

    /**
     * An lm-evaluation-harness task file in {@code task:} is a task of the lm-eval evaluator (it was refused with
     * "unknown key 'task'"), with the entry's weight and parameters; a group file is refused naming the entry.
     */
    @Test
    void lmEvalTaskFilesAreTasksOfTheLmEvalEvaluator() throws Exception {
        Files.createDirectories(temp.resolve("tasks"));
        Files.writeString(temp.resolve("tasks/base.yaml"), "dataset_path: json\noutput_type: multiple_choice\n"
                + "test_split: train\ndoc_to_text: '{{q}}'\ndoc_to_target: 0\ndoc_to_choice: [a, b]\n");
        Files.writeString(temp.resolve("tasks/arc.yaml"), "include: base.yaml\ntask: arc_tiny\n");
        RunFile run = parse(MINIMAL.replace("- {name: t, evaluator: perplexity, data: data/t.jsonl}",
                "- {task: tasks/arc.yaml, weight: 2, parameters: {metric: 'acc_norm,none'}}"));
        RunFile.Task task = run.tasks().getFirst();
        assertEquals("arc_tiny", task.name());
        assertEquals("lm-eval", task.evaluator());
        assertEquals(2.0, task.weight());
        assertEquals("acc_norm,none", task.parameters().get("metric"));
        assertEquals("arc_tiny", task.parameters().get("task"));
        assertTrue(task.parameters().get("config").toString().contains("\"output_type\":\"multiple_choice\""),
                task.parameters().toString());
        assertEquals(temp.resolve("tasks/arc.yaml").toString(), task.parameters().get("task_file"));

        Files.writeString(temp.resolve("tasks/suite.yaml"), "group: suite\ntask:\n  - task: a1\n"
                + "    include: base.yaml\n  - task: a2\n    include: base.yaml\n");
        String group = error(MINIMAL.replace("- {name: t, evaluator: perplexity, data: data/t.jsonl}",
                "- task: tasks/suite.yaml"));
        assertTrue(group.endsWith("'evaluators[0].task': " + temp.resolve("tasks/suite.yaml") + " is an lm-eval group"
                + " of 2 tasks; give each task file as its own evaluators entry"), group);
        String other = error(MINIMAL.replace("- {name: t, evaluator: perplexity, data: data/t.jsonl}",
                "- {task: tasks/arc.yaml, data: x.jsonl}"));
        assertTrue(other.contains("names an lm-eval task file, which takes only 'weight' and 'parameters' beside it,"
                + " not 'data'"), other);
    }

    /** Every example under docs/examples parses (their models are not on this machine; only the file is checked). */
    @Test
    void theDocumentedExamplesParse() throws Exception {
        Path examples = Path.of(System.getProperty("user.dir")).resolve("../../docs/examples").normalize();
        List<Path> files;
        try (Stream<Path> list = Files.list(examples)) {
            files = list.filter(p -> p.getFileName().toString().startsWith("evolve-")).sorted().toList();
        }
        assertEquals(7, files.size(), files.toString());
        for (Path file : files) {
            RunFile run = RunFileReader.read(file);
            assertTrue(!run.tasks().isEmpty(), file.toString());
        }
        RunFile psDfs = RunFileReader.read(examples.resolve("evolve-sakana-ps-dfs.yml"));
        assertEquals(List.of("ps", "dfs"), psDfs.stages().stream().map(s -> s.stage().orElseThrow().name()).toList());
        RunFile dfs = psDfs.stages().get(1);
        assertEquals(Path.of("stages/1-ps/best"), dfs.models().getFirst());
        assertTrue(dfs.baseModel().isEmpty(), "base_model: null drops the file's base model");
        assertEquals(3, dfs.genome().repeats());
        assertEquals(LayerPathSpace.Scaling.TRANSITION, dfs.genome().scaling());
        assertTrue(psDfs.stages().getFirst().baseModel().isPresent());
    }
}
