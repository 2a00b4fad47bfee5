package org.evomerge.engine.recipe;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A parameter as a recipe writes it (mergekit semantics): a scalar, a gradient (a list interpolated over the layers
 * of a slice), or a list of conditionals {@code {filter, value}} where the first whose filter is absent, {@code "*"}
 * or a substring of the tensor name applies.
 */
public sealed interface ParameterValue {

    /**
     * The value for {@code tensorName} at position {@code t} ∈ [0, 1] in its slice, or empty when no conditional
     * matches (resolution then falls through to the next precedence level).
     */
    Optional<Object> resolve(String tensorName, double t);

    /**
     * An unmodifiable copy of a parameter map that keeps its order (the recipe's, which its YAML keeps); equality
     * ignores the order.
     */
    static Map<String, ParameterValue> ordered(Map<String, ParameterValue> parameters) {
        Map<String, ParameterValue> copy = new LinkedHashMap<>();
        parameters.forEach((name, value) -> copy.put(Objects.requireNonNull(name, "parameter name"),
                Objects.requireNonNull(value, name)));
        return Collections.unmodifiableMap(copy);
    }

    /** A number, boolean or string used as it is. */
    record Scalar(Object value) implements ParameterValue {

        /** What a parameter value must be. */
        public static final String RULE = "must be a value, a list of values or a list of {filter, value}";

        public Scalar {
            if (value == null || value instanceof Map<?, ?> || value instanceof List<?>) {
                throw new InvalidRecipeException("", RULE);
            }
        }

        @Override
        public Optional<Object> resolve(String tensorName, double t) {
            return Optional.of(value);
        }
    }

    /**
     * A list of values over the layers: numbers are interpolated linearly, other values are stepped. With n values,
     * s = t·(n−1), i0 = ⌊s⌋, i1 = min(n−1, i0+1), value = (1−(s−i0))·v[i0] + (s−i0)·v[i1].
     */
    record Gradient(List<Object> values) implements ParameterValue {

        /** What a gradient must be. */
        public static final String RULE = "must be a value or a list of values (a gradient)";

        public Gradient {
            if (values.isEmpty() || values.stream().anyMatch(v -> v == null || v instanceof List<?>
                    || v instanceof Map<?, ?>)) {
                throw new InvalidRecipeException("", RULE);
            }
            values = List.copyOf(values);
        }

        @Override
        public Optional<Object> resolve(String tensorName, double t) {
            int n = values.size();
            double s = t * (n - 1);
            int i0 = (int) Math.floor(s);
            i0 = Math.max(0, Math.min(n - 1, i0));
            int i1 = Math.min(n - 1, i0 + 1);
            if (values.stream().allMatch(v -> v instanceof Number)) {
                double frac = s - i0;
                double a = ((Number) values.get(i0)).doubleValue();
                double b = ((Number) values.get(i1)).doubleValue();
                return Optional.of((1 - frac) * a + frac * b);
            }
            return Optional.of(values.get(i0));
        }
    }

    /** Conditionals tried in order. */
    record Conditionals(List<Conditional> conditions) implements ParameterValue {
        public Conditionals {
            conditions = List.copyOf(conditions);
            if (conditions.isEmpty()) {
                throw new InvalidRecipeException("", "is an empty list of {filter, value}");
            }
        }

        @Override
        public Optional<Object> resolve(String tensorName, double t) {
            for (Conditional c : conditions) {
                if (c.filter().isEmpty() || c.filter().get().equals("*") || tensorName.contains(c.filter().get())) {
                    return c.value().resolve(tensorName, t);
                }
            }
            return Optional.empty();
        }
    }

    /** One {@code {filter, value}} entry; the value is a scalar or a gradient. */
    record Conditional(Optional<String> filter, ParameterValue value) {
        public Conditional {
            filter = filter == null ? Optional.empty() : filter;
            if (value instanceof Conditionals) {
                throw new InvalidRecipeException("value", "must be a value or a list of values, not conditionals");
            }
            Objects.requireNonNull(value, "value");
        }
    }
}
