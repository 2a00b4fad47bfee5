package org.evomerge.api.parameter;

import java.util.List;
import java.util.Objects;
import org.evomerge.api.Stable;

/**
 * One parameter of an extension, declared as data so the host can validate a configuration, print help, and
 * export schemas without running plugin code.
 *
 * @param name         the key in recipes and run files ({@code snake_case}, as mergekit uses)
 * @param type         the value type
 * @param defaultValue the value used when none is given, or {@code null} (then the parameter is optional unless
 *                     {@code required})
 * @param min          inclusive lower bound for numbers, or {@code null}
 * @param max          inclusive upper bound for numbers, or {@code null}
 * @param choices      the allowed values of a {@link ParameterType#CHOICE}, empty otherwise
 * @param required     whether a value must be given (a required parameter has no default)
 * @param scope        where the value may vary
 * @param description  one line for help output
 */
@Stable(since = "0.1.0")
public record ParameterSpec(
        String name,
        ParameterType type,
        Object defaultValue,
        Double min,
        Double max,
        List<String> choices,
        boolean required,
        ParameterScope scope,
        String description) {

    public ParameterSpec {
        Objects.requireNonNull(type, "type");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("parameter name must not be blank");
        }
        choices = choices == null ? List.of() : List.copyOf(choices);
        scope = scope == null ? ParameterScope.GLOBAL : scope;
        description = description == null ? "" : description;
        if (type == ParameterType.CHOICE && choices.isEmpty()) {
            throw new IllegalArgumentException("choice parameter '" + name + "' declares no choices");
        }
        if (required && defaultValue != null) {
            throw new IllegalArgumentException("required parameter '" + name + "' must not have a default");
        }
        if (min != null && max != null && min > max) {
            throw new IllegalArgumentException("parameter '" + name + "' has min " + min + " > max " + max);
        }
    }

    /** An optional number with a default and an inclusive range (either bound may be {@code null}). */
    public static ParameterSpec number(String name, double defaultValue, Double min, Double max, String description) {
        return new ParameterSpec(name, ParameterType.NUMBER, defaultValue, min, max, List.of(), false,
                ParameterScope.GLOBAL, description);
    }

    /** An optional whole number with a default and an inclusive range (either bound may be {@code null}). */
    public static ParameterSpec integer(String name, long defaultValue, Long min, Long max, String description) {
        return new ParameterSpec(name, ParameterType.INTEGER, defaultValue,
                min == null ? null : min.doubleValue(), max == null ? null : max.doubleValue(), List.of(), false,
                ParameterScope.GLOBAL, description);
    }

    /** An optional flag with a default. */
    public static ParameterSpec bool(String name, boolean defaultValue, String description) {
        return new ParameterSpec(name, ParameterType.BOOLEAN, defaultValue, null, null, List.of(), false,
                ParameterScope.GLOBAL, description);
    }

    /** One of a fixed set of names, with a default that must be among them. */
    public static ParameterSpec choice(String name, String defaultValue, List<String> choices, String description) {
        if (defaultValue != null && !choices.contains(defaultValue)) {
            throw new IllegalArgumentException("default '" + defaultValue + "' of '" + name + "' is not one of " + choices);
        }
        return new ParameterSpec(name, ParameterType.CHOICE, defaultValue, null, null, choices, false,
                ParameterScope.GLOBAL, description);
    }

    /** The same parameter with another scope. */
    public ParameterSpec withScope(ParameterScope newScope) {
        return new ParameterSpec(name, type, defaultValue, min, max, choices, required, newScope, description);
    }

    /** The same parameter, required and without default. */
    public ParameterSpec asRequired() {
        return new ParameterSpec(name, type, null, min, max, choices, true, scope, description);
    }
}
