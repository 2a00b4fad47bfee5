package org.evomerge.engine.recipe;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * mergekit's precedence for one parameter of one tensor: the source's parameters, then the slice's, then the
 * recipe's global ones (modules are not supported); the first level that yields a value wins, and a conditional
 * list that matches nothing falls through to the next level. Absent everywhere, the method's default applies (the
 * caller's validator fills it in).
 */
public final class ParameterResolver {

    private ParameterResolver() {
    }

    /**
     * @param name       the parameter name
     * @param tensorName the output tensor's name (for filters)
     * @param t          the position in the slice, 0 for tensors outside the layers
     * @param levels     the parameter maps in precedence order
     */
    public static Optional<Object> resolve(String name, String tensorName, double t,
                                           List<Map<String, ParameterValue>> levels) {
        for (Map<String, ParameterValue> level : levels) {
            ParameterValue value = level.get(name);
            if (value != null) {
                Optional<Object> resolved = value.resolve(tensorName, t);
                if (resolved.isPresent()) {
                    return resolved;
                }
            }
        }
        return Optional.empty();
    }

    /** Position of layer {@code index} (0-based) in a slice of {@code length} layers: i/(L−1), or 1 when L = 1. */
    public static double position(int index, int length) {
        return length == 1 ? 1.0 : (double) index / (length - 1);
    }
}
