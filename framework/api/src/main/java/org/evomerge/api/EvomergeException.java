package org.evomerge.api;

/**
 * The one exception type that reaches users. Its message is a single line that names the file, key, parameter or
 * extension at fault; the cause, if any, is shown only with {@code --debug}.
 */
@Stable(since = "0.1.0")
public class EvomergeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCategory category;

    public EvomergeException(ErrorCategory category, String message) {
        this(category, message, null);
    }

    public EvomergeException(ErrorCategory category, String message, Throwable cause) {
        super(message, cause);
        this.category = java.util.Objects.requireNonNull(category, "category");
    }

    public ErrorCategory category() {
        return category;
    }

    /** A configuration error: bad option, key, parameter or recipe. */
    public static EvomergeException configuration(String message) {
        return new EvomergeException(ErrorCategory.CONFIGURATION, message);
    }

    /** An input error: a file that cannot be used; the message should start with the file's path. */
    public static EvomergeException input(String message, Throwable cause) {
        return new EvomergeException(ErrorCategory.INPUT, message, cause);
    }
}
