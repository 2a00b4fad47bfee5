package org.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line in-process: option placement, configuration overrides, errors and exit codes. */
class CommandLineTest {

    @TempDir
    Path temp;

    private record Run(int exitCode, String out, String err) {
    }

    private Run run(Map<String, String> env, String... args) throws Exception {
        Path home = Files.createDirectories(temp.resolve("home"));
        Files.createDirectories(home.resolve("plugins"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> environment = new java.util.HashMap<>(env);
        environment.putIfAbsent("XDG_CONFIG_HOME", temp.resolve("config").toString());
        environment.putIfAbsent("XDG_CACHE_HOME", temp.resolve("cache").toString());
        CliEnvironment cli = new CliEnvironment(Optional.of(home), environment, temp, temp,
                new PrintWriter(out, true), new PrintWriter(err, true));
        int code = Main.run(args, cli);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void globalOptionsWorkBeforeAndAfterTheSubcommand() throws Exception {
        Run before = run(Map.of(), "--threads", "3", "config", "show", "--json");
        Run after = run(Map.of(), "config", "show", "--threads", "3", "--json");
        assertEquals(0, before.exitCode(), before.err());
        assertEquals(before.out(), after.out());
        assertTrue(after.out().contains("\"value\" : \"3\""), after.out());
    }

    @Test
    void commandLineBeatsTheEnvironment() throws Exception {
        Run fromEnvironment = run(Map.of("EVOMERGE_COMPUTE_BACKEND", "cpu-reference"), "config", "show");
        assertTrue(fromEnvironment.out().lines().anyMatch(l -> l.matches("compute.backend\\s+cpu-reference\\s+the environment")),
                fromEnvironment.out());
        Run overridden = run(Map.of("EVOMERGE_COMPUTE_BACKEND", "cpu-reference"), "--set", "compute.backend=cpu",
                "config", "show");
        assertTrue(overridden.out().lines().anyMatch(l -> l.matches("compute.backend\\s+cpu\\s+the command line")),
                overridden.out());
    }

    @Test
    void pluginsListWorksWithNoPlugins() throws Exception {
        Run run = run(Map.of(), "plugins", "list", "--json");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("\"plugins\" : [ ]"), run.out());
    }

    @Test
    void usageErrorsExitWithTwoAndOneLine() throws Exception {
        Run run = run(Map.of(), "plugins", "list", "--no-such-option");
        assertEquals(ExitCodes.USAGE_ERROR, run.exitCode());
        assertTrue(run.err().startsWith("evomerge: error: Unknown option: '--no-such-option'"), run.err());
        assertEquals(2, run.err().lines().count(), "the error and a hint: " + run.err());
    }

    @Test
    void versionNamesTheApiAndBackends() throws Exception {
        Run run = run(Map.of(), "--version");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("API 0.1.0"), run.out());
        assertTrue(run.out().contains("cpu-reference"), run.out());
    }

    @Command(name = "fail")
    static final class Failing implements Callable<Integer> {
        private final RuntimeException failure;

        Failing(RuntimeException failure) {
            this.failure = failure;
        }

        @Override
        public Integer call() {
            throw failure;
        }
    }

    private static Run runFailing(RuntimeException failure, boolean debug) {
        GlobalOptions options = new GlobalOptions();
        options.debug = debug;
        ErrorReporter reporter = new ErrorReporter(options);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new Failing(failure))
                .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .setExecutionExceptionHandler(reporter).setParameterExceptionHandler(reporter);
        return new Run(commandLine.execute(), out.toString(), err.toString());
    }

    @Test
    void everyErrorCategoryHasItsExitCode() {
        assertEquals(3, runFailing(EvomergeException.input("/models/x.safetensors: truncated", null), false).exitCode());
        assertEquals(2, runFailing(EvomergeException.configuration("recipe.yml: unknown key 'modls'"), false).exitCode());
        assertEquals(1, runFailing(new EvomergeException(ErrorCategory.INTERNAL, "bug"), false).exitCode());
        Run unexpected = runFailing(new IllegalStateException("surprise\nsecond line"), false);
        assertEquals(1, unexpected.exitCode());
        assertEquals(1, unexpected.err().lines().count(), unexpected.err());
        assertTrue(unexpected.err().contains("internal error: java.lang.IllegalStateException: surprise second line"),
                unexpected.err());
        assertFalse(unexpected.err().contains("\tat "), "no stack trace without --debug");
    }

    @Test
    void debugShowsTheStackTrace() {
        Run run = runFailing(new IllegalStateException("surprise"), true);
        assertTrue(run.err().contains("\tat "), run.err());
    }
}
