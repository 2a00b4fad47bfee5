package org.evomerge.engine.input;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.evomerge.api.EvomergeException;

/**
 * A path a user wrote as text (in a recipe, a run file, a task file, the configuration or a parameter). The file
 * system refuses some text as a path (a NUL byte, escaped {@code "\0"} in YAML, on every system): that is bad input
 * named where it was given, not the {@link InvalidPathException} the JDK throws.
 */
public final class PathInput {

    private PathInput() {
    }

    /**
     * @param text  the path as written
     * @param where what gave it, e.g. {@code recipe.yml: model} or {@code run.yml: 'models[0]'}
     * @throws EvomergeException (INPUT) {@code WHERE: 'TEXT' is not a valid path (REASON)}, control characters shown
     *                           as {@code \xNN}
     */
    public static Path of(String text, String where) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw invalid(text, where, e);
        }
    }

    /** {@code base.resolve(text)}, with the same error as {@link #of(String, String)}. */
    public static Path resolve(Path base, String text, String where) {
        return base.resolve(of(text, where));
    }

    private static EvomergeException invalid(String text, String where, InvalidPathException e) {
        return EvomergeException.input(where + ": '" + printable(text) + "' is not a valid path ("
                + e.getReason() + ")", e);
    }

    /** {@code text} with control characters (NUL, escape, line breaks, ...) written as {@code \xNN}. */
    public static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\x%02X", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
