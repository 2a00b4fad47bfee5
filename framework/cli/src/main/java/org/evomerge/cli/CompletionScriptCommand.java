package org.evomerge.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code evomerge generate-completion}: the bash completion script, the same one the build puts into
 * {@code bin/evomerge_completion}. It is generated from the annotated commands, not from the running command line,
 * whose subcommands hide the global options from their help (they are still accepted there, and completed).
 */
@Command(name = "generate-completion", mixinStandardHelpOptions = true)
public final class CompletionScriptCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        String name = spec.root().name();
        spec.commandLine().getOut().print(AutoComplete.bash(name, new CommandLine(EvomergeCommand.class)));
        spec.commandLine().getOut().flush();
    }
}
