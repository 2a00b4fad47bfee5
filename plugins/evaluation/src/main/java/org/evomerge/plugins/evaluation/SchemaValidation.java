package org.evomerge.plugins.evaluation;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.parameter.InvalidParameterException;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;

/**
 * Checks the raw parameters of a {@code multi-task} sub-task against its evaluator's schema, as the host does for
 * top-level tasks (plugins see only the API, not the host's validator): unknown names, types, ranges, choices,
 * required values; defaults filled in.
 */
final class SchemaValidation {

    private SchemaValidation() {
    }

    static Parameters validate(ExtensionDescriptor descriptor, Map<String, ?> raw, String where) {
        String id = where + " (" + descriptor.id() + ")";
        for (String name : raw.keySet()) {
            if (descriptor.parameters().find(name).isEmpty()) {
                throw new InvalidParameterException(id, name, "is not a parameter of evaluator '" + descriptor.id()
                        + "'");
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (ParameterSpec spec : descriptor.parameters().parameters()) {
            Object value = raw.get(spec.name());
            if (value == null) {
                if (spec.required()) {
                    throw new InvalidParameterException(id, spec.name(), "is required");
                }
                value = spec.defaultValue();
                if (value == null) {
                    continue;
                }
            }
            values.put(spec.name(), coerce(id, spec, value));
        }
        return new Parameters(values);
    }

    private static Object coerce(String id, ParameterSpec spec, Object value) {
        return switch (spec.type()) {
            case BOOLEAN -> {
                if (value instanceof Boolean b) {
                    yield b;
                }
                String text = value.toString().strip().toLowerCase(Locale.ROOT);
                if (!text.equals("true") && !text.equals("false")) {
                    throw new InvalidParameterException(id, spec.name(), "must be true or false, got '" + value + "'");
                }
                yield Boolean.parseBoolean(text);
            }
            case INTEGER -> {
                long n;
                try {
                    double d = value instanceof Number number ? number.doubleValue() : Double.parseDouble(value.toString());
                    if (d != Math.rint(d)) {
                        throw new NumberFormatException();
                    }
                    n = (long) d;
                } catch (NumberFormatException e) {
                    throw new InvalidParameterException(id, spec.name(), "must be a whole number, got '" + value + "'");
                }
                checkRange(id, spec, n);
                yield n;
            }
            case NUMBER -> {
                double d;
                try {
                    d = value instanceof Number number ? number.doubleValue() : Double.parseDouble(value.toString());
                } catch (NumberFormatException e) {
                    throw new InvalidParameterException(id, spec.name(), "must be a number, got '" + value + "'");
                }
                if (!Double.isFinite(d)) {
                    throw new InvalidParameterException(id, spec.name(), "must be finite, got " + value);
                }
                checkRange(id, spec, d);
                yield d;
            }
            case STRING, PATH -> {
                if (value instanceof Map<?, ?> || value instanceof Iterable<?>) {
                    throw new InvalidParameterException(id, spec.name(), "must be text, got " + value);
                }
                yield value.toString();
            }
            case CHOICE -> {
                if (!spec.choices().contains(value.toString())) {
                    throw new InvalidParameterException(id, spec.name(), "must be one of " + spec.choices()
                            + ", got '" + value + "'");
                }
                yield value.toString();
            }
        };
    }

    private static void checkRange(String id, ParameterSpec spec, double d) {
        if ((spec.min() != null && d < spec.min()) || (spec.max() != null && d > spec.max())) {
            throw new InvalidParameterException(id, spec.name(), "is out of range [" + spec.min() + ", " + spec.max()
                    + "]: " + d);
        }
    }
}
