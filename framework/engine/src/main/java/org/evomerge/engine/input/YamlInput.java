package org.evomerge.engine.input;

import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The one way evomerge reads a YAML file a user wrote (recipes, run files, task files, architecture descriptions,
 * configuration): SnakeYAML's safe constructor, duplicate keys refused, and a syntax error reported as
 * {@code FILE:LINE:COLUMN: not valid YAML: problem}, the position editors and compilers use, instead of SnakeYAML's
 * multi-line message whose first line ("while parsing a block mapping") says neither where nor what.
 */
public final class YamlInput {

    private YamlInput() {
    }

    /**
     * Parses one YAML document.
     *
     * @param source the file (or resource) named in errors
     * @return the document as maps, lists and scalars; null for an empty document
     * @throws EvomergeException (CONFIGURATION) on a syntax error or a duplicate key, with its line and column
     */
    public static Object load(String text, Object source) {
        try {
            return yaml().load(text);
        } catch (YAMLException e) {
            throw syntaxError(source, e).orElseThrow();
        }
    }

    /**
     * Parses every document of a multi-document YAML text ({@code ---} between documents), in order; empty documents
     * are null.
     *
     * @throws EvomergeException (CONFIGURATION) on a syntax error or a duplicate key, with its line and column
     */
    public static List<Object> loadAll(String text, Object source) {
        try {
            List<Object> documents = new ArrayList<>();
            yaml().loadAll(text).forEach(documents::add);
            return documents;
        } catch (YAMLException e) {
            throw syntaxError(source, e).orElseThrow();
        }
    }

    /** {@link #load(String, Object)} from a reader, which this method does not close. */
    public static Object load(Reader reader, Object source) {
        try {
            return yaml().load(reader);
        } catch (YAMLException e) {
            throw syntaxError(source, e).orElseThrow();
        }
    }

    /**
     * The configuration error for a failure to read {@code source} whose cause chain holds a SnakeYAML error (libraries
     * that parse with SnakeYAML wrap it); empty when it holds none (the file could not be read at all, say).
     */
    public static Optional<EvomergeException> syntaxError(Object source, Throwable failure) {
        return describe(source, failure).map(message ->
                new EvomergeException(ErrorCategory.CONFIGURATION, message, failure));
    }

    /** {@code SOURCE:LINE:COLUMN: not valid YAML: problem (context at LINE:COLUMN)}, lines and columns from 1. */
    static Optional<String> describe(Object source, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                Mark at = marked.getProblemMark();
                String problem = marked.getProblem() == null ? "syntax error" : oneLine(marked.getProblem());
                String context = "";
                if (marked.getContext() != null) {
                    Mark start = marked.getContextMark();
                    context = " (" + oneLine(marked.getContext())
                            + (start == null ? "" : " at " + position(start)) + ")";
                }
                return Optional.of(source + ":" + position(at) + ": not valid YAML: " + problem + context);
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof YAMLException) {
                return Optional.of(source + ": not valid YAML: "
                        + (t.getMessage() == null ? t.getClass().getSimpleName() : oneLine(t.getMessage())));
            }
        }
        return Optional.empty();
    }

    private static String position(Mark mark) {
        return (mark.getLine() + 1) + ":" + (mark.getColumn() + 1);
    }

    private static String oneLine(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("").strip();
    }

    private static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(new SafeConstructor(options));
    }
}
