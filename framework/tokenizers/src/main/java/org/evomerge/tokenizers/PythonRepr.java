package org.evomerge.tokenizers;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * Java values written as Python's {@code str()} and {@code repr()} write the same values, so a template prints what
 * jinja2 prints: {@code True}, {@code None}, {@code 1e-05}, {@code ['a', "it's"]}, {@code {'k': 1}}.
 */
final class PythonRepr {

    private PythonRepr() {
    }

    /** Python's {@code str(value)}: strings as they are, everything else as {@link #repr}. */
    static String str(Object value) {
        return value instanceof CharSequence text ? text.toString() : repr(value);
    }

    /** Python's {@code repr(value)}. */
    static String repr(Object value) {
        StringBuilder out = new StringBuilder();
        append(out, value);
        return out.toString();
    }

    private static void append(StringBuilder out, Object value) {
        switch (value) {
            case null -> out.append("None");
            case Boolean b -> out.append(b ? "True" : "False");
            case CharSequence text -> quote(out, text.toString());
            case Character c -> quote(out, c.toString());
            case Double d -> out.append(floatRepr(d));
            case Float f -> out.append(floatRepr(f.doubleValue()));
            case BigDecimal d -> out.append(floatRepr(d.doubleValue()));
            case Number n -> out.append(n);
            case Map<?, ?> map -> {
                out.append('{');
                Iterator<? extends Map.Entry<?, ?>> entries = map.entrySet().iterator();
                while (entries.hasNext()) {
                    Map.Entry<?, ?> entry = entries.next();
                    append(out, entry.getKey());
                    out.append(": ");
                    append(out, entry.getValue());
                    if (entries.hasNext()) {
                        out.append(", ");
                    }
                }
                out.append('}');
            }
            case Iterable<?> items -> {
                out.append('[');
                Iterator<?> it = items.iterator();
                while (it.hasNext()) {
                    append(out, it.next());
                    if (it.hasNext()) {
                        out.append(", ");
                    }
                }
                out.append(']');
            }
            case Object[] items -> append(out, java.util.Arrays.asList(items));
            default -> out.append(value);
        }
    }

    /**
     * Python's {@code repr(float)}: the shortest digits that read back to the same double (as Java's
     * {@link Double#toString} chooses them), written positionally unless the decimal exponent is below -4 or at least
     * 16 ({@code 1e-05}, {@code 1e+16}), and always with a point or an exponent ({@code 2.0}).
     */
    static String floatRepr(double value) {
        if (Double.isNaN(value)) {
            return "nan";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0) {
            return (1 / value < 0) ? "-0.0" : "0.0";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(Math.abs(value))).stripTrailingZeros();
        String digits = shortest.unscaledValue().toString();
        // value = 0.digits × 10^exponent10, with the first digit nonzero
        int exponent = digits.length() - shortest.scale();
        String sign = value < 0 ? "-" : "";
        int pointExponent = exponent - 1;
        if (pointExponent < -4 || pointExponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (pointExponent < 0 ? "-" : "+")
                    + String.format("%02d", Math.abs(pointExponent));
        }
        StringBuilder out = new StringBuilder(sign);
        if (exponent <= 0) {
            out.append("0.").append("0".repeat(-exponent)).append(digits);
        } else if (exponent >= digits.length()) {
            out.append(digits).append("0".repeat(exponent - digits.length())).append(".0");
        } else {
            out.append(digits, 0, exponent).append('.').append(digits, exponent, digits.length());
        }
        return out.toString();
    }

    /** Python's string repr: single quotes unless the text holds one and no double quote. */
    private static void quote(StringBuilder out, String text) {
        char quote = text.indexOf('\'') >= 0 && text.indexOf('"') < 0 ? '"' : '\'';
        out.append(quote);
        text.codePoints().forEach(c -> {
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c == quote) {
                        out.append('\\').append((char) c);
                    } else if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", c));
                    } else if (!printable(c)) {
                        out.append(c <= 0xff ? String.format("\\x%02x", c)
                                : c <= 0xffff ? String.format("\\u%04x", c) : String.format("\\U%08x", c));
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        out.append(quote);
    }

    /** Python's {@code str.isprintable} for one character: not a control, format, separator (but space) or unassigned. */
    private static boolean printable(int c) {
        if (c == ' ') {
            return true;
        }
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }
}
