package org.evomerge.cli;

import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.input.ClosestNames;
import org.evomerge.engine.input.PathInput;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns every failure into one line on standard error and an exit code: 1 internal error, 2 usage or configuration
 * error, 3 bad input data. Stack traces appear only with {@code --debug}.
 */
final class ErrorReporter implements IExecutionExceptionHandler, IParameterExceptionHandler {

    private final GlobalOptions options;

    ErrorReporter(GlobalOptions options) {
        this.options = options;
    }

    @Override
    public int handleExecutionException(Exception exception, CommandLine commandLine, ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        int code;
        String message;
        if (exception instanceof EvomergeException e) {
            code = ExitCodes.of(e.category());
            message = e.getMessage();
        } else if (exception instanceof InvalidPathException e) {
            // Text the file system refuses as a path (a NUL byte) can only have come from the user; the readers
            // name where it was written, and this catches any place that does not.
            code = ExitCodes.of(ErrorCategory.INPUT);
            message = "'" + e.getInput() + "' is not a valid path (" + e.getReason() + ")";
        } else if (exception instanceof ParameterException e) {
            return handleParseException(e, new String[0]);
        } else {
            code = ExitCodes.INTERNAL_ERROR;
            message = "internal error: " + exception + (options.debug ? "" : " (run with --debug for the stack trace)");
        }
        err.println("evomerge: error: " + oneLine(message));
        if (options.debug) {
            exception.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    @Override
    public int handleParseException(ParameterException exception, String[] args) {
        CommandLine commandLine = exception.getCommandLine();
        PrintWriter err = commandLine.getErr();
        err.println("evomerge: error: " + oneLine(describe(exception)));
        err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help' for more information.");
        if (options.debug) {
            exception.printStackTrace(err);
        }
        err.flush();
        return ExitCodes.USAGE_ERROR;
    }

    /** Picocli's message, with the closest command or option name when the user mistyped one. */
    private static String describe(ParameterException exception) {
        if (!(exception instanceof UnmatchedArgumentException unmatched) || unmatched.getUnmatched().isEmpty()) {
            return exception.getMessage();
        }
        CommandSpec spec = exception.getCommandLine().getCommandSpec();
        String given = unmatched.getUnmatched().getFirst();
        if (given.startsWith("-")) {
            String name = given.contains("=") ? given.substring(0, given.indexOf('=')) : given;
            return exception.getMessage() + ClosestNames.hint(name, spec.optionsMap().keySet());
        }
        if (!spec.subcommands().isEmpty()) {
            return "unknown command '" + given + "'" + (spec.parent() == null ? "" : " of '" + spec.qualifiedName() + "'")
                    + ClosestNames.hint(given, spec.subcommands().keySet()) + "; commands: "
                    + String.join(", ", spec.subcommands().keySet());
        }
        return exception.getMessage();
    }

    /** The message on one line, with control characters (a NUL byte in a quoted path, say) written as {@code \xNN}. */
    private static String oneLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        return PathInput.printable(message.replaceAll("\\s*\\R\\s*", " ").strip());
    }
}
