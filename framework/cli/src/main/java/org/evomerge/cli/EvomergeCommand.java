package org.evomerge.cli;

import java.util.ArrayList;
import java.util.List;
import org.evomerge.cli.config.ConfigCommand;
import org.evomerge.cli.convert.ConvertCommand;
import org.evomerge.cli.demo.DemoCommand;
import org.evomerge.cli.eval.EvalCommand;
import org.evomerge.cli.evolve.EvolveCommand;
import org.evomerge.cli.inspect.InspectCommand;
import org.evomerge.cli.kinship.KinshipCommand;
import org.evomerge.cli.lora.ExtractLoraCommand;
import org.evomerge.cli.merge.MergeCommand;
import org.evomerge.cli.merge.MoeCommand;
import org.evomerge.cli.merge.MultiCommand;
import org.evomerge.cli.plugins.PluginsCommand;
import org.evomerge.cli.report.ReportCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The root command. Subcommands reach the run's services through {@link #session(CommandSpec)}. */
@Command(name = "evomerge",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        resourceBundle = "org.evomerge.cli.CommandHelp",
        subcommands = {InspectCommand.class, MergeCommand.class, MultiCommand.class, ConvertCommand.class, EvalCommand.class, EvolveCommand.class, KinshipCommand.class,
                ExtractLoraCommand.class, MoeCommand.class,
                ReportCommand.class, DemoCommand.class, PluginsCommand.class, ConfigCommand.class,
                CompletionScriptCommand.class, HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 1 internal error, 2 usage or configuration error, 3 bad input data."})
public final class EvomergeCommand implements Runnable {

    /** The help section of a subcommand that names the global options instead of listing them again. */
    private static final String GLOBAL_OPTIONS_SECTION = "evomergeGlobalOptions";

    @Mixin
    GlobalOptions options = new GlobalOptions();

    @Spec
    CommandSpec spec;

    private CommandSession session;
    private CliEnvironment environment;

    /** A command line wired to {@code environment}, with evomerge's error handling. */
    public static CommandLine commandLine(CliEnvironment environment) {
        EvomergeCommand root = new EvomergeCommand();
        root.environment = environment;
        CommandLine commandLine = new CommandLine(root);
        commandLine.setOut(environment.out());
        commandLine.setErr(environment.err());
        ErrorReporter reporter = new ErrorReporter(root.options);
        commandLine.setExecutionExceptionHandler(reporter);
        commandLine.setParameterExceptionHandler(reporter);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        showGlobalOptionsOnce(commandLine);
        commandLine.setExecutionStrategy(parseResult -> {
            try {
                return new CommandLine.RunLast().execute(parseResult);
            } finally {
                if (root.session != null) {
                    root.session.close();
                }
            }
        });
        return commandLine;
    }

    /** The session of the running command line that {@code spec} belongs to. */
    public static CommandSession session(CommandSpec spec) {
        EvomergeCommand root = (EvomergeCommand) spec.root().userObject();
        if (root.session == null) {
            root.session = new CommandSession(root.environment, root.options);
        }
        return root.session;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * The global options work before and after any command name, so picocli copies them into every subcommand, and
     * its help would list all nine again under each command's own few. They stay accepted there, hidden from the
     * subcommands' help, which names them in one line pointing to {@code evomerge --help} instead.
     */
    private static void showGlobalOptionsOnce(CommandLine root) {
        List<String> names = root.getCommandSpec().options().stream()
                .filter(o -> o.scopeType() == ScopeType.INHERIT && !o.hidden()).map(OptionSpec::longestName).toList();
        String hint = "Global options, before or after the command (see '" + root.getCommandName() + " --help'):\n"
                + wrap(String.join(", ", names) + ".");
        List<CommandLine> pending = new ArrayList<>(root.getSubcommands().values());
        while (!pending.isEmpty()) {
            CommandLine command = pending.removeFirst();
            pending.addAll(command.getSubcommands().values());
            CommandSpec commandSpec = command.getCommandSpec();
            if (commandSpec.options().stream().noneMatch(OptionSpec::inherited)) {
                continue;
            }
            for (OptionSpec option : List.copyOf(commandSpec.options())) {
                if (option.inherited() && !option.hidden()) {
                    commandSpec.remove(option);
                    // LOCAL: the subcommands below already hold their own copies, which get the same treatment.
                    commandSpec.addOption(OptionSpec.builder(option).hidden(true).inherited(true)
                            .scopeType(ScopeType.LOCAL).build());
                }
            }
            command.getHelpSectionMap().put(GLOBAL_OPTIONS_SECTION, help -> hint);
            List<String> sections = new ArrayList<>(command.getHelpSectionKeys());
            if (!sections.contains(GLOBAL_OPTIONS_SECTION)) { // picocli hands a command's keys to its subcommands
                sections.add(sections.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST) + 1,
                        GLOBAL_OPTIONS_SECTION);
                command.setHelpSectionKeys(sections);
            }
        }
    }

    /** {@code text} indented by two columns and broken into lines of at most 80, as picocli wraps the help. */
    private static String wrap(String text) {
        StringBuilder out = new StringBuilder("  ");
        int column = 2;
        for (String word : text.split(" ")) {
            if (column > 2 && column + 1 + word.length() > 80) {
                out.append("\n  ");
                column = 2;
            } else if (column > 2) {
                out.append(' ');
                column++;
            }
            out.append(word);
            column += word.length();
        }
        return out.append('\n').toString();
    }
}
