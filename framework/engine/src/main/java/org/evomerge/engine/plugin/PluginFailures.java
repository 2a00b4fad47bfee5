package org.evomerge.engine.plugin;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;

/** Turns a plugin failure's exception chain into one line a user can act on. */
final class PluginFailures {

    private PluginFailures() {
    }

    static String describe(Throwable failure) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = failure; t != null && parts.size() < 4; t = t.getCause()) {
            if (t instanceof InvocationTargetException) {
                continue;
            }
            String message = t.getMessage();
            String part = switch (t) {
                case ClassNotFoundException e -> "class not found: " + message;
                case NoClassDefFoundError e -> "missing class: " + (message == null ? "" : message.replace('/', '.'));
                case org.pf4j.PluginRuntimeException e -> message;
                default -> t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
            };
            if (part != null && !part.isBlank() && parts.stream().noneMatch(p -> p.contains(part))) {
                parts.add(part.replace('\n', ' ').strip());
            }
            if (t instanceof NoClassDefFoundError) {
                break; // its cause only repeats the class name
            }
        }
        return parts.isEmpty() ? failure.getClass().getName() : String.join(": ", parts);
    }
}
