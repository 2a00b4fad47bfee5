package org.evomerge.api;

/**
 * What kind of failure an {@link EvomergeException} reports. The command line maps each category to one exit code,
 * so a plugin chooses the category and never calls {@code System.exit}.
 */
@Stable(since = "0.1.0")
public enum ErrorCategory {
    /** A bug or an unexpected environment failure (exit code 1). */
    INTERNAL,
    /** A wrong command line, configuration file, recipe or parameter (exit code 2). */
    CONFIGURATION,
    /** A model, dataset or other input file that is missing, malformed or hostile (exit code 3). */
    INPUT
}
