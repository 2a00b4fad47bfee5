package org.evomerge.api.parameter;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.Stable;

/**
 * Validated parameter values: every declared parameter with a value or a default is present, typed as
 * {@link ParameterType} says. Extensions receive these only after the host has checked them against their schema.
 */
@Stable(since = "0.1.0")
public record Parameters(Map<String, Object> values) {

    public static final Parameters EMPTY = new Parameters(Map.of());

    public Parameters {
        values = values == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public boolean has(String name) {
        return values.get(name) != null;
    }

    public Optional<Object> get(String name) {
        return Optional.ofNullable(values.get(name));
    }

    public double number(String name) {
        return ((Number) require(name)).doubleValue();
    }

    public long integer(String name) {
        return ((Number) require(name)).longValue();
    }

    public boolean bool(String name) {
        return (Boolean) require(name);
    }

    public String string(String name) {
        return require(name).toString();
    }

    /** A copy with one value replaced or added. */
    public Parameters with(String name, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(values);
        copy.put(name, value);
        return new Parameters(copy);
    }

    private Object require(String name) {
        Object value = values.get(name);
        if (value == null) {
            throw new IllegalStateException("parameter '" + name + "' has no value (not declared, or optional and unset)");
        }
        return value;
    }
}
