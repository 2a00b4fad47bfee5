package org.evomerge.cli.config;

import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code evomerge config}: the configuration evomerge runs with. */
@Command(name = "config", mixinStandardHelpOptions = true,
        subcommands = {ConfigShowCommand.class, HelpCommand.class})
public final class ConfigCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
