package org.evomerge.tokenizers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Python's {@code json.dumps}: {@code ", "} and {@code ": "} separators, or one item a line with an indent. */
final class PythonJson {
    private PythonJson() {
    }

    static void write(StringBuilder out, Object value, int indent, boolean sortKeys, int depth) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b);
            case CharSequence text -> quote(out, text.toString());
            case Double d -> out.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity"
                    : "-Infinity") : PythonRepr.floatRepr(d));
            case Float f -> write(out, f.doubleValue(), indent, sortKeys, depth);
            case java.math.BigDecimal d -> write(out, d.doubleValue(), indent, sortKeys, depth);
            case Number n -> out.append(n);
            case Map<?, ?> map -> {
                Map<?, ?> entries = sortKeys ? new TreeMap<>(map) : map;
                if (entries.isEmpty()) {
                    out.append("{}");
                    return;
                }
                out.append('{');
                int i = 0;
                for (Map.Entry<?, ?> entry : entries.entrySet()) {
                    separator(out, i++ > 0, indent, depth + 1);
                    quote(out, String.valueOf(entry.getKey()));
                    out.append(": ");
                    write(out, entry.getValue(), indent, sortKeys, depth + 1);
                }
                close(out, indent, depth);
                out.append('}');
            }
            case Iterable<?> items -> {
                List<Object> list = new ArrayList<>();
                items.forEach(list::add);
                if (list.isEmpty()) {
                    out.append("[]");
                    return;
                }
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    separator(out, i > 0, indent, depth + 1);
                    write(out, list.get(i), indent, sortKeys, depth + 1);
                }
                close(out, indent, depth);
                out.append(']');
            }
            case Object[] items -> write(out, List.of(items), indent, sortKeys, depth);
            default -> quote(out, value.toString());
        }
    }

    private static void separator(StringBuilder out, boolean notFirst, int indent, int depth) {
        if (indent < 0) {
            if (notFirst) {
                out.append(", ");
            }
            return;
        }
        if (notFirst) {
            out.append(',');
        }
        out.append('\n').append(" ".repeat(indent * depth));
    }

    private static void close(StringBuilder out, int indent, int depth) {
        if (indent >= 0) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static void quote(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}

