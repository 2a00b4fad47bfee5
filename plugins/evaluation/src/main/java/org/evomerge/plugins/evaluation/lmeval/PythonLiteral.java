package org.evomerge.plugins.evaluation.lmeval;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code ast.literal_eval} for the literals lm-evaluation-harness reads back from a rendered template:
 * strings (single, double and triple quoted, with escapes and prefixes r/b/u), integers, floats, {@code True},
 * {@code False}, {@code None}, lists, tuples (as lists), sets (as lists) and dicts, with a leading unary minus.
 */
final class PythonLiteral {

    private final String text;
    private int at;

    private PythonLiteral(String text) {
        this.text = text;
    }

    /**
     * The value of {@code text}.
     *
     * @throws IllegalArgumentException when it is not a literal (as {@code literal_eval} raises)
     */
    static Object parse(String text) {
        PythonLiteral parser = new PythonLiteral(text);
        parser.skipSpace();
        Object value = parser.value();
        parser.skipSpace();
        if (parser.at != text.length()) {
            throw parser.error("unexpected text");
        }
        return value;
    }

    private Object value() {
        skipSpace();
        if (at >= text.length()) {
            throw error("unexpected end");
        }
        char c = text.charAt(at);
        if (c == '[') {
            return sequence('[', ']');
        }
        if (c == '(') {
            return sequence('(', ')');
        }
        if (c == '{') {
            return mapping();
        }
        if (c == '-' || c == '+') {
            at++;
            skipSpace();
            Object number = value();
            if (!(number instanceof Number n)) {
                throw error("a sign needs a number");
            }
            if (c == '+') {
                return n;
            }
            return n instanceof Double d ? (Object) (-d) : n instanceof BigInteger b ? b.negate() : (Object) (-n.longValue());
        }
        if (Character.isDigit(c) || c == '.') {
            return number();
        }
        int quoteAt = at;
        while (quoteAt < text.length() && "rRbBuU".indexOf(text.charAt(quoteAt)) >= 0 && quoteAt - at < 2) {
            quoteAt++;
        }
        if (quoteAt < text.length() && (text.charAt(quoteAt) == '\'' || text.charAt(quoteAt) == '"')) {
            boolean raw = text.substring(at, quoteAt).toLowerCase().contains("r");
            at = quoteAt;
            StringBuilder joined = new StringBuilder(string(raw));
            // Adjacent string literals concatenate.
            while (true) {
                int save = at;
                skipSpace();
                if (at < text.length() && (text.charAt(at) == '\'' || text.charAt(at) == '"')) {
                    joined.append(string(false));
                } else {
                    at = save;
                    break;
                }
            }
            return joined.toString();
        }
        for (String word : List.of("True", "False", "None")) {
            if (text.startsWith(word, at) && (at + word.length() == text.length()
                    || !Character.isJavaIdentifierPart(text.charAt(at + word.length())))) {
                at += word.length();
                return switch (word) {
                    case "True" -> Boolean.TRUE;
                    case "False" -> Boolean.FALSE;
                    default -> null;
                };
            }
        }
        throw error("not a literal");
    }

    private List<Object> sequence(char open, char close) {
        at++;
        List<Object> items = new ArrayList<>();
        skipSpace();
        while (at < text.length() && text.charAt(at) != close) {
            items.add(value());
            skipSpace();
            if (at < text.length() && text.charAt(at) == ',') {
                at++;
                skipSpace();
            } else if (at < text.length() && text.charAt(at) != close) {
                throw error("expected ',' or '" + close + "'");
            }
        }
        if (at >= text.length()) {
            throw error("unclosed '" + open + "'");
        }
        at++;
        return items;
    }

    private Object mapping() {
        at++;
        skipSpace();
        Map<Object, Object> map = new LinkedHashMap<>();
        List<Object> set = new ArrayList<>();
        while (at < text.length() && text.charAt(at) != '}') {
            Object key = value();
            skipSpace();
            if (at < text.length() && text.charAt(at) == ':') {
                at++;
                map.put(key, value());
            } else {
                set.add(key);
            }
            skipSpace();
            if (at < text.length() && text.charAt(at) == ',') {
                at++;
                skipSpace();
            } else if (at < text.length() && text.charAt(at) != '}') {
                throw error("expected ',' or '}'");
            }
        }
        if (at >= text.length()) {
            throw error("unclosed '{'");
        }
        at++;
        if (!set.isEmpty() && !map.isEmpty()) {
            throw error("a dict and a set at once");
        }
        return set.isEmpty() ? map : set;
    }

    private Object number() {
        int start = at;
        while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '.'
                || text.charAt(at) == '_' || ((text.charAt(at) == '+' || text.charAt(at) == '-')
                && (text.charAt(at - 1) == 'e' || text.charAt(at - 1) == 'E')))) {
            at++;
        }
        String literal = text.substring(start, at).replace("_", "");
        try {
            if (literal.startsWith("0x") || literal.startsWith("0X")) {
                return narrow(new BigInteger(literal.substring(2), 16));
            }
            if (literal.startsWith("0o") || literal.startsWith("0O")) {
                return narrow(new BigInteger(literal.substring(2), 8));
            }
            if (literal.startsWith("0b") || literal.startsWith("0B")) {
                return narrow(new BigInteger(literal.substring(2), 2));
            }
            if (literal.contains(".") || literal.contains("e") || literal.contains("E")) {
                return Double.parseDouble(literal);
            }
            return narrow(new BigInteger(literal));
        } catch (NumberFormatException e) {
            throw error("not a number: " + literal);
        }
    }

    private static Object narrow(BigInteger value) {
        return value.bitLength() < 64 ? (Object) value.longValue() : value;
    }

    private String string(boolean raw) {
        char quote = text.charAt(at);
        boolean triple = text.startsWith(String.valueOf(quote).repeat(3), at);
        at += triple ? 3 : 1;
        StringBuilder out = new StringBuilder();
        while (true) {
            if (at >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(at);
            if (triple ? text.startsWith(String.valueOf(quote).repeat(3), at) : c == quote) {
                at += triple ? 3 : 1;
                return out.toString();
            }
            if (c == '\\' && at + 1 < text.length()) {
                char e = text.charAt(at + 1);
                if (raw) {
                    out.append(c).append(e);
                    at += 2;
                    continue;
                }
                at += 2;
                switch (e) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case '0' -> out.append('\0');
                    case 'a' -> out.append('\u0007');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'v' -> out.append('\u000b');
                    case '\\', '\'', '"' -> out.append(e);
                    case '\n' -> {
                    }
                    case 'x', 'u', 'U' -> {
                        int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                        out.appendCodePoint(Integer.parseInt(text.substring(at, at + digits), 16));
                        at += digits;
                    }
                    default -> out.append('\\').append(e);
                }
                continue;
            }
            if (!triple && c == '\n') {
                throw error("unterminated string");
            }
            out.append(c);
            at++;
        }
    }

    private void skipSpace() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
    }

    private IllegalArgumentException error(String problem) {
        return new IllegalArgumentException("not a Python literal (" + problem + " at character " + (at + 1) + "): "
                + (text.length() > 80 ? text.substring(0, 80) + "..." : text));
    }
}
