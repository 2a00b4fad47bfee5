package org.evomerge.engine.parameter;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.parameter.InvalidParameterException;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.engine.input.ClosestNames;
import org.evomerge.engine.input.PathInput;

/**
 * Checks raw values (from YAML, properties, environment or the command line, so numbers may arrive as text) against
 * an extension's declared schema, before any extension code runs. Booleans, whole numbers and numbers are read by
 * mergekit's rules ({@link LaxCoercion}: pydantic's lax mode, so {@code normalize: 1.0} is true and {@code 2.0} is a
 * whole number). Unknown names, wrong types, values out of range and missing required values each fail with a
 * message naming the extension and the parameter.
 */
public final class ParameterValidator {

    private ParameterValidator() {
    }

    /** Validates every scope; see {@link #validate(ExtensionDescriptor, Map, Set, boolean)}. */
    public static Parameters validate(ExtensionDescriptor descriptor, Map<String, ?> raw) {
        return validate(descriptor, raw, Set.of(ParameterScope.values()), true);
    }

    /**
     * Returns typed values for the parameters of the given scopes, defaults filled in.
     *
     * @param raw              the values given; keys outside the schema are errors
     * @param scopes           which scopes to return and check (others are ignored if present in {@code raw})
     * @param enforceRequired  whether a missing required value is an error (false where a caller fills it later,
     *                         e.g. a base model needs no {@code weight})
     */
    public static Parameters validate(ExtensionDescriptor descriptor, Map<String, ?> raw, Set<ParameterScope> scopes,
                                      boolean enforceRequired) {
        String id = descriptor.id();
        Map<String, ?> given = raw == null ? Map.of() : raw;
        for (String name : given.keySet()) {
            if (descriptor.parameters().find(name).isEmpty()) {
                Set<String> known = new TreeSet<>();
                descriptor.parameters().parameters().forEach(p -> known.add(p.name()));
                throw new InvalidParameterException(id, name, "is not a parameter of " + descriptor.kind().id() + " '"
                        + id + "'" + (known.isEmpty() ? " (it takes none)" : ClosestNames.hint(name, known) + "; known: "
                        + String.join(", ", known)));
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (ParameterSpec spec : descriptor.parameters().parameters()) {
            if (!scopes.contains(spec.scope())) {
                continue;
            }
            Object value = given.get(spec.name());
            if (value == null) {
                if (spec.required() && enforceRequired) {
                    throw new InvalidParameterException(id, spec.name(), "is required" + describe(spec));
                }
                if (spec.defaultValue() != null) {
                    values.put(spec.name(), coerce(id, spec, spec.defaultValue()));
                }
                continue;
            }
            values.put(spec.name(), coerce(id, spec, value));
        }
        return new Parameters(values);
    }

    /** Converts one value to the spec's type and checks its range or choices. */
    public static Object coerce(String extensionId, ParameterSpec spec, Object value) {
        return switch (spec.type()) {
            case BOOLEAN -> toBoolean(extensionId, spec, value);
            case INTEGER -> checkRange(extensionId, spec, toInteger(extensionId, spec, value));
            case NUMBER -> checkRange(extensionId, spec, toNumber(extensionId, spec, value));
            case STRING, PATH -> {
                if (value instanceof Map<?, ?> || value instanceof Iterable<?>) {
                    throw new InvalidParameterException(extensionId, spec.name(), "must be text, got " + value);
                }
                if (spec.type() == ParameterType.PATH) {
                    PathInput.of(value.toString(), extensionId + ": parameter '" + spec.name() + "'");
                }
                yield value.toString();
            }
            case CHOICE -> {
                String text = value.toString();
                if (!spec.choices().contains(text)) {
                    throw new InvalidParameterException(extensionId, spec.name(), "must be one of "
                            + String.join(", ", spec.choices()) + ", got '" + text + "'"
                            + ClosestNames.hint(text, spec.choices()));
                }
                yield text;
            }
        };
    }

    private static Boolean toBoolean(String id, ParameterSpec spec, Object value) {
        return LaxCoercion.toBoolean(value).orElseThrow(() -> new InvalidParameterException(id, spec.name(),
                "must be true or false (also 1 or 0, yes or no, on or off), got '" + value + "'"));
    }

    private static Long toInteger(String id, ParameterSpec spec, Object value) {
        OptionalLong whole = LaxCoercion.toInteger(value);
        if (whole.isEmpty()) {
            throw new InvalidParameterException(id, spec.name(), "must be a whole number, got '" + value + "'");
        }
        return whole.getAsLong();
    }

    private static Double toNumber(String id, ParameterSpec spec, Object value) {
        OptionalDouble number = LaxCoercion.toNumber(value);
        if (number.isEmpty()) {
            throw new InvalidParameterException(id, spec.name(), "must be a number, got '" + value + "'");
        }
        // pydantic lets infinity and NaN through; a merge weight or density of either only poisons the output.
        if (!Double.isFinite(number.getAsDouble())) {
            throw new InvalidParameterException(id, spec.name(), "must be a finite number, got " + value);
        }
        return number.getAsDouble();
    }

    private static <N extends Number> N checkRange(String id, ParameterSpec spec, N value) {
        double d = value.doubleValue();
        if ((spec.min() != null && d < spec.min()) || (spec.max() != null && d > spec.max())) {
            throw new InvalidParameterException(id, spec.name(), "must be" + range(spec) + ", got " + value);
        }
        return value;
    }

    private static String range(ParameterSpec spec) {
        if (spec.min() != null && spec.max() != null) {
            return " in [" + format(spec.min()) + ", " + format(spec.max()) + "]";
        }
        if (spec.min() != null) {
            return " >= " + format(spec.min());
        }
        return spec.max() != null ? " <= " + format(spec.max()) : "";
    }

    private static String describe(ParameterSpec spec) {
        String what = spec.type().name().toLowerCase(Locale.ROOT) + range(spec);
        return " (" + what + (spec.description().isEmpty() ? "" : ": " + spec.description()) + ")";
    }

    private static String format(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
