package org.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ResourceBundle;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The help texts live in one resource bundle ({@code CommandHelp.properties}), looked up by key. Picocli shows an
 * empty line where a key does not match, and ignores a key nothing looks up, so both are checked here: every command,
 * option and parameter has a text, and every key of the bundle belongs to a command's description or argument.
 */
class CommandHelpTest {

    @TempDir
    Path temp;

    private List<CommandSpec> commands() {
        CommandLine root = EvomergeCommand.commandLine(new CliEnvironment(Optional.empty(), Map.of(), temp, temp,
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())));
        List<CommandSpec> commands = new ArrayList<>();
        List<CommandLine> pending = new ArrayList<>(List.of(root));
        while (!pending.isEmpty()) {
            CommandLine command = pending.removeFirst();
            commands.add(command.getCommandSpec());
            pending.addAll(command.getSubcommands().values());
        }
        return commands;
    }

    @Test
    void everyCommandOptionAndParameterHasAHelpText() {
        Set<String> missing = new TreeSet<>();
        for (CommandSpec command : commands()) {
            if (String.join("", command.usageMessage().description()).isBlank()) {
                missing.add(command.qualifiedName());
            }
            List<ArgSpec> arguments = new ArrayList<>(command.options());
            arguments.addAll(command.positionalParameters());
            for (ArgSpec argument : arguments) {
                if (!argument.hidden() && String.join("", argument.description()).isBlank()) {
                    missing.add(command.qualifiedName() + " " + (argument instanceof OptionSpec o ? o.longestName()
                            : argument.paramLabel()));
                }
            }
        }
        assertEquals(Set.of(), missing);
    }

    /**
     * Picocli passes each help text of the bundle through {@link String#format}; a bare {@code %} (as in "95%
     * interval") makes it print a warning and give up on the text's {@code %n} line breaks, so a percent sign must be
     * written {@code %%}.
     */
    @Test
    void everyHelpTextIsAFormatString() {
        ResourceBundle bundle = ResourceBundle.getBundle("org.evomerge.cli.CommandHelp");
        Set<String> broken = new TreeSet<>();
        for (String key : bundle.keySet()) {
            try {
                String.format(Locale.ROOT, bundle.getString(key));
            } catch (IllegalFormatException e) {
                broken.add(key + ": " + e.getMessage());
            }
        }
        assertEquals(Set.of(), broken);
    }

    @Test
    void everyKeyOfTheBundleIsLookedUp() {
        Set<String> lookedUp = new HashSet<>();
        for (CommandSpec command : commands()) {
            String prefix = command.qualifiedName(".") + ".";
            lookedUp.add(prefix + "usage.description");
            for (OptionSpec option : command.options()) {
                for (String name : option.names()) {
                    lookedUp.add(prefix + name.replaceFirst("^-+", ""));
                }
                lookedUp.add(prefix + option.descriptionKey());
            }
            command.positionalParameters().forEach(p -> lookedUp.add(prefix + p.descriptionKey()));
        }
        Set<String> unused = new TreeSet<>();
        for (String key : ResourceBundle.getBundle("org.evomerge.cli.CommandHelp").keySet()) {
            if (!lookedUp.contains(key.replaceFirst("\\.\\d+$", ""))) {
                unused.add(key);
            }
        }
        assertEquals(Set.of(), unused);
    }
}
