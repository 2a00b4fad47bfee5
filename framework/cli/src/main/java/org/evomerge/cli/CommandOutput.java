package org.evomerge.cli;

import java.io.PrintWriter;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.evomerge.cli.output.JsonOutput;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every reporting command shares, as a picocli mixin: its {@code --json} switch, its session and where its
 * output goes. A command prints either one JSON document or its text form, never both, through {@link #print}.
 *
 * <p>{@code --json}'s help line says what the document holds, so it differs by command: the default is "Print one
 * JSON document."; a command whose document deserves a description has it under {@code <qualified name>.json} in
 * the root command's resource bundle ({@code CommandHelp.properties}).
 */
public final class CommandOutput {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--json", descriptionKey = "json", description = "Print one JSON document.")
    boolean json;

    /** Whether {@code --json} was given. */
    public boolean json() {
        return json;
    }

    /** The session of the running command line. */
    public CommandSession session() {
        return EvomergeCommand.session(command);
    }

    /** The command line running the command, for usage errors ({@link CommandLine.ParameterException}). */
    public CommandLine commandLine() {
        return command.commandLine();
    }

    /** Standard output. */
    public PrintWriter out() {
        return command.commandLine().getOut();
    }

    /** Standard error. */
    public PrintWriter err() {
        return command.commandLine().getErr();
    }

    /**
     * With {@code --json}, {@code document} (maps, lists, strings, numbers, booleans) as one JSON document;
     * otherwise {@code text} writes the human-readable form. Either way standard output is flushed.
     */
    public void print(Supplier<?> document, Consumer<PrintWriter> text) {
        PrintWriter out = out();
        if (json) {
            JsonOutput.print(out, document.get());
        } else {
            text.accept(out);
            out.flush();
        }
    }
}
