package org.evomerge.engine.parameter;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Booleans, whole numbers and numbers read from raw values (YAML scalars, or text from a command line or the
 * environment) by the rules mergekit's recipes are read with: pydantic v2's lax mode (pydantic-core
 * {@code input_python.rs} and {@code shared.rs}). A recipe mergekit accepts is accepted, one it refuses is refused:
 *
 * <ul>
 *   <li>boolean: {@code true}/{@code false}; the whole numbers 0 and 1 (also 0.0 and 1.0); the texts
 *       {@code 0 1 f t n y no on off yes true false}, case-insensitive, exactly (no surrounding spaces);</li>
 *   <li>whole number: integers; booleans (1, 0); finite numbers without a fraction (2.0, not 2.5); text in Python's
 *       integer syntax after trimming spaces, with a leading {@code +}, leading zeros, {@code _} between digits and a
 *       fraction of zeros ({@code " 2 "}, {@code "+007"}, {@code "1_000"}, {@code "2.00"}; not {@code "2.5"},
 *       {@code "2."}, {@code "1e3"}, {@code "0x10"});</li>
 *   <li>number: numbers; booleans (1.0, 0.0); text in Rust's float syntax after trimming spaces
 *       ({@code "1.5"}, {@code ".5"}, {@code "5."}, {@code "1e-3"}, {@code "inf"}, {@code "nan"}), also with {@code _}
 *       between digits; not {@code "0x1p3"} or {@code "1.5d"}, which Java alone would read.</li>
 * </ul>
 *
 * Non-finite numbers are returned as read; callers that need finite values say so in their own message.
 * Stateless and thread-safe.
 */
public final class LaxCoercion {

    private static final Pattern JSON_INTEGER = Pattern.compile("-?(0|[1-9][0-9]*)");
    private static final Pattern RUST_FLOAT = Pattern.compile(
            "[+-]?(?:(?i:inf|infinity|nan)|(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?)");

    private LaxCoercion() {
    }

    /** The value as a boolean, or empty where pydantic's lax {@code bool} refuses it. */
    public static Optional<Boolean> toBoolean(Object value) {
        return switch (value) {
            case Boolean b -> Optional.of(b);
            case String text -> textAsBoolean(text);
            case Number n -> toInteger(n).stream().filter(i -> i == 0 || i == 1).mapToObj(i -> i == 1).findFirst();
            case null, default -> Optional.empty();
        };
    }

    /** The value as a whole number, or empty where pydantic's lax {@code int} refuses it or it exceeds a long. */
    public static OptionalLong toInteger(Object value) {
        return switch (value) {
            case Boolean b -> OptionalLong.of(b ? 1 : 0);
            case Integer i -> OptionalLong.of(i);
            case Long l -> OptionalLong.of(l);
            case Short s -> OptionalLong.of(s);
            case Byte b -> OptionalLong.of(b);
            case BigInteger big -> big.bitLength() < 64 ? OptionalLong.of(big.longValue()) : OptionalLong.empty();
            case BigDecimal decimal -> decimalAsInteger(decimal);
            case Number n -> doubleAsInteger(n.doubleValue());
            case String text -> textAsInteger(text);
            case null, default -> OptionalLong.empty();
        };
    }

    /** The value as a number (possibly infinite or NaN), or empty where pydantic's lax {@code float} refuses it. */
    public static OptionalDouble toNumber(Object value) {
        return switch (value) {
            case Boolean b -> OptionalDouble.of(b ? 1 : 0);
            case Number n -> OptionalDouble.of(n.doubleValue());
            case String text -> textAsNumber(text);
            case null, default -> OptionalDouble.empty();
        };
    }

    private static Optional<Boolean> textAsBoolean(String text) {
        return switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "0", "f", "n", "no", "off", "false" -> Optional.of(false);
            case "1", "t", "y", "on", "yes", "true" -> Optional.of(true);
            default -> Optional.empty();
        };
    }

    private static OptionalLong doubleAsInteger(double d) {
        // pydantic's float_as_int: finite, no fraction, strictly inside the i64 range.
        if (!Double.isFinite(d) || d % 1.0 != 0.0 || d <= Long.MIN_VALUE || d >= Long.MAX_VALUE) {
            return OptionalLong.empty();
        }
        return OptionalLong.of((long) d);
    }

    private static OptionalLong decimalAsInteger(BigDecimal decimal) {
        try {
            return OptionalLong.of(decimal.longValueExact());
        } catch (ArithmeticException e) {
            return OptionalLong.empty();
        }
    }

    /** pydantic's str_as_int: a JSON integer as it is, else cleaned as {@code clean_int_str} does and read again. */
    private static OptionalLong textAsInteger(String text) {
        OptionalLong direct = jsonInteger(text);
        if (direct.isPresent()) {
            return direct;
        }
        String s = text.strip();
        if (s.startsWith("+")) {
            if (s.startsWith("+-")) {
                return OptionalLong.empty();
            }
            s = s.substring(1);
        }
        boolean negative = false;
        if (s.startsWith("-")) {
            if (s.startsWith("--") || s.startsWith("-+")) {
                return OptionalLong.empty();
            }
            negative = true;
            s = s.substring(1);
        }
        s = stripLeadingZeros(s);
        if (s == null) {
            return OptionalLong.empty();
        }
        int dot = s.indexOf('.');
        if (dot >= 0) {
            String fraction = s.substring(dot + 1);
            if (!fraction.isEmpty() && fraction.chars().allMatch(c -> c == '0')) {
                s = s.substring(0, dot);
            }
        }
        String withoutUnderscores = stripUnderscores(s);
        return jsonInteger((negative ? "-" : "") + (withoutUnderscores != null ? withoutUnderscores : s));
    }

    private static OptionalLong jsonInteger(String text) {
        if (!JSON_INTEGER.matcher(text).matches()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(text));
        } catch (NumberFormatException tooLarge) {
            return OptionalLong.empty();
        }
    }

    /** pydantic's strip_leading_zeros: keeps one zero before a dot or of an all-zero number; null if invalid. */
    private static String stripLeadingZeros(String s) {
        if (s.isEmpty()) {
            return null;
        }
        char first = s.charAt(0);
        if ((first >= '1' && first <= '9') || first == '-') {
            return s;
        }
        if (first != '0') {
            return null;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '0' || c == '_') {
                continue;
            }
            if ((c >= '1' && c <= '9') || c == '-') {
                return s.substring(i);
            }
            if (c == '.') {
                return s.substring(i - 1);
            }
            return null;
        }
        return s.substring(s.length() - 1);
    }

    /** Python's rule for {@code _} in numbers: single underscores between characters; null when none or misplaced. */
    private static String stripUnderscores(String s) {
        if (s.startsWith("_") || s.endsWith("_") || !s.contains("_") || s.contains("__")) {
            return null;
        }
        return s.replace("_", "");
    }

    private static OptionalDouble textAsNumber(String text) {
        String s = text.strip();
        if (!RUST_FLOAT.matcher(s).matches()) {
            String withoutUnderscores = stripUnderscores(text);
            if (withoutUnderscores == null || !RUST_FLOAT.matcher(withoutUnderscores).matches()) {
                return OptionalDouble.empty();
            }
            s = withoutUnderscores;
        }
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        String unsigned = lower.startsWith("+") || lower.startsWith("-") ? lower.substring(1) : lower;
        boolean negative = lower.startsWith("-");
        return switch (unsigned) {
            case "inf", "infinity" -> OptionalDouble.of(negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
            case "nan" -> OptionalDouble.of(Double.NaN);
            default -> OptionalDouble.of(Double.parseDouble(s));
        };
    }
}
