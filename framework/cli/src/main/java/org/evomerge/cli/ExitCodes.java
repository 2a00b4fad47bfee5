package org.evomerge.cli;

import org.evomerge.api.ErrorCategory;

/** The exit codes of every command, one place. */
public final class ExitCodes {
    public static final int SUCCESS = 0;
    public static final int INTERNAL_ERROR = 1;
    public static final int USAGE_ERROR = 2;
    public static final int BAD_INPUT = 3;

    private ExitCodes() {
    }

    static int of(ErrorCategory category) {
        return switch (category) {
            case INTERNAL -> INTERNAL_ERROR;
            case CONFIGURATION -> USAGE_ERROR;
            case INPUT -> BAD_INPUT;
        };
    }
}
