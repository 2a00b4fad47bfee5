package org.evomerge.cli.evolve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.cli.CliEnvironment;
import org.evomerge.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code evolve}'s usage and run-file errors in-process (whole runs are tested end to end in distribution/it). */
class EvolveCommandTest {

    @TempDir
    Path temp;

    private record Run(int exitCode, String out, String err) {
    }

    private Run run(String... args) throws Exception {
        Path home = Files.createDirectories(temp.resolve("home"));
        Files.createDirectories(home.resolve("plugins"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliEnvironment cli = new CliEnvironment(Optional.of(home), Map.of("XDG_CONFIG_HOME",
                temp.resolve("config").toString(), "XDG_CACHE_HOME", temp.resolve("cache").toString()), temp, temp,
                new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(Main.run(args, cli), out.toString(), err.toString());
    }

    @Test
    void theRunFolderIsRequired() throws Exception {
        Files.writeString(temp.resolve("run.yml"), "models: [a]\n");
        Run r = run("evolve", "run.yml");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--out"), r.err());
    }

    @Test
    void runFileErrorsAreOneLineWithExitCode2() throws Exception {
        Files.writeString(temp.resolve("run.yml"), """
                models: [a, b]
                genome: {kind: recipe, merge_method: linear}
                strategy: cma-es
                evaluators: [{name: t, evaluator: perplexity}]
                budget: {evaluations: 10}
                populaton: 8
                """);
        Run r = run("evolve", "run.yml", "--out", "run");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("evomerge: error: ") && r.err().contains("run.yml")
                && r.err().contains("'populaton'"), r.err());
        assertTrue(Files.notExists(temp.resolve("run")), "nothing is written for a bad run file");
    }

    /** {@code workers: 4294967296} was cut to 0 by an int cast: an internal "/ by zero" after the folder was made. */
    @Test
    void wholeNumbersOutOfRangeAreOneLineNamingFileLineAndKey() throws Exception {
        Files.writeString(temp.resolve("run.yml"), """
                models: [a, b]
                genome: {kind: recipe, merge_method: linear}
                strategy: cma-es
                evaluators: [{name: t, evaluator: perplexity}]
                budget: {evaluations: 10}
                workers: 4294967296
                """);
        Run r = run("evolve", "run.yml", "--out", "run");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("evomerge: error: " + temp.resolve("run.yml") + ":6:1: 'workers' must be at most 2147483647,"
                + " got 4294967296", r.err().strip());
        assertTrue(Files.notExists(temp.resolve("run")));
    }

    /** The kinship measure needs task vectors; without a base model that was found at the first measurement. */
    @Test
    void kinshipWithoutABaseModelIsRefusedBeforeTheRun() throws Exception {
        Files.writeString(temp.resolve("run.yml"), """
                models: [a, b]
                genome: {kind: recipe, merge_method: linear}
                strategy: cma-es
                evaluators: [{name: t, evaluator: perplexity}]
                budget: {evaluations: 10}
                kinship: {top: 3}
                """);
        Run r = run("evolve", "run.yml", "--out", "run");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("evomerge: error: " + temp.resolve("run.yml") + ":6:1: 'kinship' compares task vectors and"
                + " needs a base_model", r.err().strip());
        assertTrue(Files.notExists(temp.resolve("run")));
    }

    @Test
    void unknownExtensionsNameTheKey() throws Exception {
        Files.writeString(temp.resolve("run.yml"), """
                models: [a, b]
                genome: {kind: recipe, merge_method: linear}
                strategy: cma-es
                evaluators: [{name: t, evaluator: perplexity}]
                budget: {evaluations: 10}
                """);
        Run r = run("evolve", "run.yml", "--out", "run");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("'strategy'") && r.err().contains("cma-es"), r.err());
    }

    @Test
    void aClusterSecretFileWithoutAClusterIsAUsageError() throws Exception {
        Files.writeString(temp.resolve("run.yml"), """
                models: [a, b]
                genome: {kind: recipe, merge_method: linear}
                strategy: cma-es
                evaluators: [{name: t, evaluator: perplexity}]
                budget: {evaluations: 10}
                """);
        Run r = run("evolve", "run.yml", "--out", "run", "--cluster-secret-file", "secret");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--cluster-secret-file needs --cluster"), r.err());
        assertTrue(Files.notExists(temp.resolve("run")));
    }

    @Test
    void acceptingAnotherExtensionVersionNeedsAResume() throws Exception {
        Files.writeString(temp.resolve("run.yml"), """
                models: [a, b]
                genome: {kind: recipe, merge_method: linear}
                strategy: cma-es
                evaluators: [{name: t, evaluator: perplexity}]
                budget: {evaluations: 10}
                """);
        Run r = run("evolve", "run.yml", "--out", "run", "--allow-version-change");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--allow-version-change needs --resume"), r.err());
        assertTrue(Files.notExists(temp.resolve("run")));
    }

    /** A mergekit-evolve configuration over two model folders and a task of {@code tasks/}, as its docs write one. */
    private void mergekitConfig(String task) throws Exception {
        Files.createDirectories(temp.resolve("tasks"));
        Files.createDirectories(temp.resolve("models/a"));
        Files.createDirectories(temp.resolve("models/b"));
        Files.writeString(temp.resolve("tasks").resolve(task + ".yaml"), """
                task: %s
                dataset_path: json
                dataset_kwargs: {data_files: {test: data.jsonl}}
                test_split: test
                output_type: multiple_choice
                doc_to_text: "{{question}}"
                doc_to_choice: "{{choices}}"
                doc_to_target: label
                """.formatted(task));
        Files.writeString(temp.resolve("evol.yml"), """
                genome:
                    models:
                      - models/a
                      - models/b
                    merge_method: linear
                    layer_granularity: 2
                tasks:
                  - name: %s
                    metric: "acc,none"
                """.formatted(task));
    }

    @Test
    void benchmarkTasksOfAMergekitEvolveConfigNeedItsFlag() throws Exception {
        mergekitConfig("arc_easy");
        Run r = run("evolve", "evol.yml", "--out", "run", "--task-search-path", "tasks");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("evomerge: error: " + temp.resolve("evol.yml") + ":8:"), r.err());
        assertTrue(r.err().contains("Task arc_easy is a common benchmark task.") && r.err().contains(
                "To proceed, set the --i-understand-the-depths-of-the-evils-i-am-unleashing flag."), r.err());
        assertTrue(Files.notExists(temp.resolve("run")));

        Run allowed = run("evolve", "evol.yml", "--out", "run", "--task-search-path", "tasks",
                "--i-understand-the-depths-of-the-evils-i-am-unleashing");
        assertTrue(allowed.err().contains("evomerge: notice: ") && allowed.err().contains(
                "Task arc_easy is a common benchmark task."), allowed.err());
        assertTrue(!allowed.err().contains("To proceed"), allowed.err());
    }

    @Test
    void mergekitEvolveOptionsThatCannotApplyAreNoticedOrRefusedByName() throws Exception {
        mergekitConfig("my_task");
        Run refused = run("evolve", "evol.yml", "--out", "run", "--task-search-path", "tasks", "--load-in-4bit");
        assertEquals(2, refused.exitCode(), refused.err());
        assertEquals("evomerge: error: --load-in-4bit: evomerge evaluates candidates in their merged dtype (bfloat16);"
                + " bitsandbytes quantised evaluation is not available", refused.err().strip());

        Run noticed = run("evolve", "evol.yml", "--storage-path", "run", "--task-search-path", "tasks", "--vllm",
                "--strategy", "pool", "--wandb", "--no-reshard", "--max-fevals", "8");
        List<String> notices = noticed.err().lines().filter(l -> l.startsWith("evomerge: notice: ")).toList();
        assertEquals(List.of(
                "evomerge: notice: --vllm has no effect here: candidates are evaluated by evomerge's own inference"
                        + " engine",
                "evomerge: notice: --strategy pool has no effect here: Ray scheduling does not apply: candidates are"
                        + " merged in memory and evaluated on this machine's worker pool",
                "evomerge: notice: --wandb has no effect here: no Weights & Biases logging: journal.jsonl,"
                        + " history.csv and report.html in the run folder hold the run's numbers",
                "evomerge: notice: --no-reshard has no effect here: models are read in place, not resharded"),
                notices, noticed.err());
    }

    @Test
    void mergekitEvolveOptionsWithARunFileAreRefusedNamingTheRunFileKey() throws Exception {
        Files.writeString(temp.resolve("run.yml"), """
                models: [a, b]
                genome: {kind: recipe, merge_method: linear}
                strategy: cma-es
                evaluators: [{name: t, evaluator: perplexity}]
                budget: {evaluations: 10}
                """);
        Run r = run("evolve", "run.yml", "--out", "run", "--max-fevals", "10");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--max-fevals is an option for mergekit-evolve configurations")
                && r.err().contains("sets it as the run file's budget.evaluations"), r.err());
    }
}
