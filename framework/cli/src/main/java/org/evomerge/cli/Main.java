package org.evomerge.cli;

import java.nio.file.Path;
import picocli.CommandLine;

/** The {@code evomerge} command's entry point: the only place that calls {@link System#exit}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        configureLogging(args);
        System.exit(run(args, CliEnvironment.fromSystem()));
    }

    /** Runs the command line and returns its exit code; used by tests with their own environment. */
    public static int run(String[] args, CliEnvironment environment) {
        CommandLine commandLine = EvomergeCommand.commandLine(environment);
        return commandLine.execute(args);
    }

    /**
     * PF4J and other libraries log through SLF4J; users see only evomerge's own one-line messages unless they ask
     * for more: {@code --verbose} or mergekit's {@code -v} informational logs, {@code --debug} or {@code -vv} (two
     * {@code -v}, as mergekit counts them) everything. This must run before any logger is created.
     */
    private static void configureLogging(String[] args) {
        String level = "off";
        int v = 0;
        for (String arg : args) {
            if (arg.equals("--debug")) {
                level = "debug";
            } else if (arg.equals("--verbose") && level.equals("off")) {
                level = "info";
            } else if (arg.matches("-v+")) {
                v += arg.length() - 1;
            }
        }
        if (level.equals("off") && v > 0) {
            level = v > 1 ? "debug" : "info";
        } else if (level.equals("info") && v > 1) {
            level = "debug";
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        if (System.getProperty("evomerge.home") == null) {
            System.setProperty("evomerge.home", Path.of("").toAbsolutePath().toString());
        }
    }
}
