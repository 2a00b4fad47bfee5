package org.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code evomerge eval} failures before any model runs: exit codes and one-line messages naming the culprit. */
class EvalCommandTest {

    @TempDir
    Path temp;

    private record Run(int exitCode, String out, String err) {
    }

    private Run run(String... args) throws Exception {
        Path home = Files.createDirectories(temp.resolve("home"));
        Files.createDirectories(home.resolve("plugins"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> environment = Map.of("XDG_CONFIG_HOME", temp.resolve("config").toString(),
                "XDG_CACHE_HOME", temp.resolve("cache").toString());
        CliEnvironment cli = new CliEnvironment(Optional.of(home), environment, temp, temp,
                new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(Main.run(args, cli), out.toString(), err.toString());
    }

    @Test
    void aMissingTaskFileIsAConfigurationError() throws Exception {
        Run run = run("eval", "--model", "m", "--task", "perplexity");
        assertEquals(ExitCodes.USAGE_ERROR, run.exitCode(), run.err());
        assertEquals("evomerge: error: --task perplexity: no such task file, nor an lm-eval task name: no task search"
                + " path is set (--task-search-path DIR, or evaluation.task-search-path in the configuration: folders"
                + " of lm-evaluation-harness task YAML files, such as lm-evaluation-harness/lm_eval/tasks) (to run"
                + " evaluator 'perplexity' on a dataset, add --data F.jsonl)", run.err().strip());
    }

    @Test
    void aTaskFileWithAnUnknownKeyNamesTheFileAndKey() throws Exception {
        Path task = Files.writeString(temp.resolve("t.yml"), "evaluator: perplexity\ndatta: d.jsonl\n");
        Run run = run("eval", "--model", "m", "--task", "t.yml", "--json");
        assertEquals(ExitCodes.USAGE_ERROR, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("evomerge: error: " + task + ": unknown key 'datta'"), run.err());
        assertEquals("", run.out());
    }

    @Test
    void anEvaluatorThatNoPluginProvidesIsAConfigurationError() throws Exception {
        Files.writeString(temp.resolve("d.jsonl"), "{\"text\": \"a\"}\n");
        Run run = run("eval", "--model", "m", "--task", "perplexity", "--data", "d.jsonl");
        assertEquals(ExitCodes.USAGE_ERROR, run.exitCode(), run.err());
        assertTrue(run.err().contains("--task perplexity: 'evaluator': unknown evaluator 'perplexity'"), run.err());
    }

    @Test
    void dataOptionsWithoutAShortcutTaskAreRejected() throws Exception {
        Files.writeString(temp.resolve("t.yml"), "evaluator: perplexity\ndata: d.jsonl\n");
        Run run = run("eval", "--model", "m", "--task", "t.yml", "--data", "x.jsonl");
        assertEquals(ExitCodes.USAGE_ERROR, run.exitCode(), run.err());
        assertTrue(run.err().contains("--data and --param apply to a --task given as an evaluator id"), run.err());
    }

    @Test
    void lmEvalNamesAreLookedUpInTheTaskSearchPathWithAClosestNameHint() throws Exception {
        Path tasks = Files.createDirectories(temp.resolve("tasks"));
        Files.writeString(tasks.resolve("arc.yaml"), "task: arc_easy\ndataset_path: json\ntest_split: test\n"
                + "doc_to_text: q\ndoc_to_target: a\n");
        Run run = run("eval", "--model", "m", "--task", "arc_eesy", "--task-search-path", "tasks");
        assertEquals(ExitCodes.USAGE_ERROR, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("evomerge: error: --task arc_eesy: no such task file, nor an lm-eval task"
                + " name: no task, group or tag of that name in " + tasks), run.err());
        assertTrue(run.err().contains("arc_easy"), "a did-you-mean hint: " + run.err());

        Run missing = run("eval", "--model", "m", "--task", "arc_easy", "--task-search-path", "nowhere");
        assertEquals(ExitCodes.USAGE_ERROR, missing.exitCode(), missing.err());
        assertEquals("evomerge: error: --task-search-path nowhere: no such folder (" + temp.resolve("nowhere") + ")",
                missing.err().strip());
    }

    @Test
    void logSamplesWithoutAnLmEvalTaskIsRefused() throws Exception {
        Files.writeString(temp.resolve("t.yml"), "evaluator: perplexity\ndata: d.jsonl\n");
        Run run = run("eval", "--model", "m", "--task", "t.yml", "--log-samples", "samples");
        assertEquals(ExitCodes.USAGE_ERROR, run.exitCode(), run.err());
        assertEquals("evomerge: error: --log-samples applies to lm-evaluation-harness tasks, and no --task names one",
                run.err().strip());
    }
}
