package org.evomerge.cli.plugins;

import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code evomerge plugins}: what is installed. */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        subcommands = {PluginsListCommand.class, PluginsInfoCommand.class, HelpCommand.class})
public final class PluginsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
