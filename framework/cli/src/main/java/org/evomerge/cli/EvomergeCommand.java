package org.evomerge.cli;

import org.evomerge.cli.config.ConfigCommand;
import org.evomerge.cli.demo.DemoCommand;
import org.evomerge.cli.eval.EvalCommand;
import org.evomerge.cli.evolve.EvolveCommand;
import org.evomerge.cli.inspect.InspectCommand;
import org.evomerge.cli.kinship.KinshipCommand;
import org.evomerge.cli.merge.MergeCommand;
import org.evomerge.cli.plugins.PluginsCommand;
import org.evomerge.cli.report.ReportCommand;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The root command. Subcommands reach the run's services through {@link #session(CommandSpec)}. */
@Command(name = "evomerge",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Evolutionary model merging: breed new model checkpoints from existing ones.",
        subcommands = {InspectCommand.class, MergeCommand.class, EvalCommand.class, EvolveCommand.class, KinshipCommand.class,
                ReportCommand.class, DemoCommand.class, PluginsCommand.class, ConfigCommand.class,
                AutoComplete.GenerateCompletion.class},
        footer = {"", "Exit codes: 0 success, 1 internal error, 2 usage or configuration error, 3 bad input data."})
public final class EvomergeCommand implements Runnable {

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
        commandLine.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
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
}
