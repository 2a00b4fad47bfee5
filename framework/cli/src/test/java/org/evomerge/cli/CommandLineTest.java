package org.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, cli(env, out, err));
        return new Run(code, out.toString(), err.toString());
    }

    private CliEnvironment cli(StringWriter out, StringWriter err) throws IOException {
        return cli(Map.of(), out, err);
    }

    private CliEnvironment cli(Map<String, String> env, StringWriter out, StringWriter err) throws IOException {
        Path home = Files.createDirectories(temp.resolve("home"));
        Files.createDirectories(home.resolve("plugins"));
        Map<String, String> environment = new java.util.HashMap<>(env);
        environment.putIfAbsent("XDG_CONFIG_HOME", temp.resolve("config").toString());
        environment.putIfAbsent("XDG_CACHE_HOME", temp.resolve("cache").toString());
        return new CliEnvironment(Optional.of(home), environment, temp, temp, new PrintWriter(out, true),
                new PrintWriter(err, true));
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
    void helpCommandShowsTheHelpOfACommand() throws Exception {
        Run help = run(Map.of(), "help", "merge");
        assertEquals(0, help.exitCode(), help.err());
        assertTrue(help.out().startsWith("Usage: evomerge merge "), help.out());
        Run nested = run(Map.of(), "plugins", "help", "info");
        assertEquals(0, nested.exitCode(), nested.err());
        assertTrue(nested.out().startsWith("Usage: evomerge plugins info "), nested.out());
    }

    @Test
    void aMistypedCommandOrOptionSuggestsTheClosestOne() throws Exception {
        Run command = run(Map.of(), "mrege", "recipe.yml", "out");
        assertEquals(ExitCodes.USAGE_ERROR, command.exitCode());
        assertTrue(command.err().startsWith("evomerge: error: unknown command 'mrege' (did you mean 'merge'?);"),
                command.err());
        Run subcommand = run(Map.of(), "plugins", "lsit");
        assertTrue(subcommand.err().startsWith("evomerge: error: unknown command 'lsit' of 'evomerge plugins'"
                + " (did you mean 'list'?)"), subcommand.err());
        Run option = run(Map.of(), "config", "show", "--jsno");
        assertTrue(option.err().startsWith("evomerge: error: Unknown option: '--jsno' (did you mean '--json'?)"),
                option.err());
        Run global = run(Map.of(), "--treads=2", "config", "show");
        assertTrue(global.err().contains("(did you mean '--threads'?)"), global.err());
        Run unrelated = run(Map.of(), "frobnicate");
        assertFalse(unrelated.err().contains("did you mean"), unrelated.err());
        assertEquals(2, unrelated.err().lines().count(), unrelated.err());
    }

    @Test
    void everyCommandSummaryIsOneCompleteSentence() throws Exception {
        Run help = run(Map.of(), "--help");
        List<String> commands = help.out().lines().dropWhile(l -> !l.equals("Commands:")).skip(1)
                .takeWhile(l -> !l.isBlank()).toList();
        assertTrue(commands.size() >= 10, help.out());
        for (String line : commands) {
            assertTrue(line.matches("  [a-z-]+ +[A-Z].*\\."), "not one complete sentence on one line: '" + line + "'");
        }
        List<CommandLine> pending = new java.util.ArrayList<>(EvomergeCommand.commandLine(cli(new StringWriter(),
                new StringWriter())).getSubcommands().values());
        while (!pending.isEmpty()) {
            CommandLine command = pending.removeFirst();
            pending.addAll(command.getSubcommands().values());
            // What picocli shows in the parent's command list: the header, or else the first description line.
            var usage = command.getCommandSpec().usageMessage();
            String summary = usage.header().length > 0 ? usage.header()[0] : usage.description()[0];
            assertTrue(summary.endsWith(".") && summary.length() <= 57,
                    command.getCommandSpec().qualifiedName() + ": '" + summary + "'");
        }
    }

    @Test
    void globalOptionsAreListedOnceAtTheTopAndNamedInOneHintElsewhere() throws Exception {
        Run top = run(Map.of(), "--help");
        assertTrue(top.out().contains("--plugins-dir=DIR"), top.out());
        for (String[] command : new String[][] {{"merge", "--help"}, {"plugins", "info", "--help"},
                {"config", "show", "--help"}}) {
            Run help = run(Map.of(), command);
            assertEquals(0, help.exitCode(), help.err());
            assertFalse(help.out().contains("--plugins-dir=DIR"), help.out());
            assertFalse(help.out().contains("--set=KEY=VALUE"), help.out());
            assertEquals(1, help.out().lines().filter(l -> l.startsWith("Global options")).count(), help.out());
            assertTrue(help.out().contains("--config, --set, --backend, --threads, --seed, --plugins-dir, --debug,"),
                    help.out());
        }
    }

    @Test
    void theCompletionScriptStillCompletesGlobalOptionsAfterACommandName() throws Exception {
        Run run = run(Map.of(), "generate-completion");
        assertEquals(0, run.exitCode(), run.err());
        String merge = run.out().substring(run.out().indexOf("function _picocli_evomerge_merge()"));
        merge = merge.substring(0, merge.indexOf("\n}\n"));
        assertTrue(merge.contains("'--plugins-dir'") && merge.contains("'--quiet'"), merge);
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
    void aPathTheFileSystemRefusesIsBadInputShownWithoutItsControlCharacters() {
        Run run = runFailing(new java.nio.file.InvalidPathException("models/ba\0se", "Nul character not allowed"),
                false);
        assertEquals(ExitCodes.of(ErrorCategory.INPUT), run.exitCode());
        assertEquals("evomerge: error: 'models/ba\\x00se' is not a valid path (Nul character not allowed)",
                run.err().strip());
        Run named = runFailing(EvomergeException.input("recipe.yml: model 'a\0b\u001b[31m' not found", null), false);
        assertEquals("evomerge: error: recipe.yml: model 'a\\x00b\\x1B[31m' not found", named.err().strip());
    }

    @Test
    void debugShowsTheStackTrace() {
        Run run = runFailing(new IllegalStateException("surprise"), true);
        assertTrue(run.err().contains("\tat "), run.err());
    }
}
