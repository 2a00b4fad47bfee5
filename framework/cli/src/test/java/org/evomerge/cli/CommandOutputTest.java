package org.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every reporting command takes {@code --json} from the {@link CommandOutput} mixin, yet its help line is still the
 * command's own: the resource bundle's line where the command describes its document, else the mixin's default.
 * A bundle key that stops matching a command falls back silently, so each line is checked here.
 */
class CommandOutputTest {

    @TempDir
    Path temp;

    @Test
    void everyReportingCommandKeepsItsJsonHelpLine() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("inspect", "Print one JSON document.");
        expected.put("merge", "Print a JSON summary.");
        expected.put("multi", "Print a JSON summary: each merge's name, folder, whether it was reused, its key.");
        expected.put("convert", "Print a JSON summary.");
        expected.put("eval", "Print one JSON document: {model, tasks: {NAME: {METRIC: VALUE}}, fitness}.");
        expected.put("evolve", "Print a JSON summary.");
        expected.put("kinship", "Print one JSON document.");
        expected.put("report", "Print what was written as JSON; a comparison adds the key \"comparison\""
                + " (docs/report.md).");
        expected.put("demo", "Print the score table as one JSON document.");
        expected.put("plugins list", "Print one JSON document.");
        expected.put("plugins info", "Print one JSON document: the plugin's, or {extensions: [...]}.");
        expected.put("config show", "Print one JSON document.");
        CommandLine root = EvomergeCommand.commandLine(new CliEnvironment(Optional.empty(), Map.of(), temp, temp,
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())));
        Map<String, String> actual = new LinkedHashMap<>();
        for (String command : expected.keySet()) {
            CommandLine sub = root;
            for (String name : command.split(" ")) {
                sub = sub.getSubcommands().get(name);
            }
            OptionSpec json = sub.getCommandSpec().findOption("--json");
            actual.put(command, String.join(" ", json.description()));
        }
        assertEquals(expected, actual);
    }
}
