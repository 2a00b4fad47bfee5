package org.evomerge.cli;

import java.io.PrintWriter;
import org.evomerge.api.EvomergeException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

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
        err.println("evomerge: error: " + oneLine(exception.getMessage()));
        err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help' for more information.");
        if (options.debug) {
            exception.printStackTrace(err);
        }
        err.flush();
        return ExitCodes.USAGE_ERROR;
    }

    private static String oneLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        return message.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
