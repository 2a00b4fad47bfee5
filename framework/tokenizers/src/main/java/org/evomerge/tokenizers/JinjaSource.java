package org.evomerge.tokenizers;

/**
 * Template source rewritten so Jinjava reads its string literals as Python does. Python keeps an unknown escape as
 * it is ({@code '\d'} is a backslash and a d, as regexes in lm-eval templates rely on) and knows {@code \x41},
 * {@code \u0041}, {@code \U0001F600}, {@code \a}, {@code \v} and octal escapes; Jinjava's scanner refuses all of these.
 * Only literals inside {@code {{ }}} and {@code {% %}} are touched; text outside them is not Python.
 */
final class JinjaSource {

    private static final String JINJAVA_ESCAPES = "\\'\"ntbfr";

    private JinjaSource() {
    }

    static String forJinjava(String template) {
        StringBuilder out = new StringBuilder(template.length());
        int i = 0;
        int n = template.length();
        while (i < n) {
            int open = nextBlock(template, i);
            if (open < 0) {
                out.append(template, i, n);
                break;
            }
            out.append(template, i, open + 2);
            String close = template.charAt(open + 1) == '{' ? "}}" : "%}";
            i = open + 2;
            char quote = 0;
            while (i < n) {
                char c = template.charAt(i);
                if (quote == 0) {
                    if (c == '\'' || c == '"') {
                        quote = c;
                    } else if (template.startsWith(close, i)) {
                        break;
                    }
                    out.append(c);
                    i++;
                } else if (c == '\\' && i + 1 < n) {
                    i = escape(template, i, out);
                } else {
                    if (c == quote) {
                        quote = 0;
                    }
                    out.append(c);
                    i++;
                }
            }
        }
        return out.toString();
    }

    private static int nextBlock(String template, int from) {
        int expression = template.indexOf("{{", from);
        int statement = template.indexOf("{%", from);
        if (expression < 0) {
            return statement;
        }
        return statement < 0 ? expression : Math.min(expression, statement);
    }

    /** Appends the escape at {@code at} (a backslash) in Jinjava's terms; returns the index after it. */
    private static int escape(String s, int at, StringBuilder out) {
        char e = s.charAt(at + 1);
        if (JINJAVA_ESCAPES.indexOf(e) >= 0) {
            out.append('\\').append(e);
            return at + 2;
        }
        int digits = switch (e) {
            case 'x' -> 2;
            case 'u' -> 4;
            case 'U' -> 8;
            default -> 0;
        };
        if (digits > 0 && at + 2 + digits <= s.length() && s.substring(at + 2, at + 2 + digits).chars()
                .allMatch(c -> Character.digit(c, 16) >= 0)) {
            appendChar(out, Integer.parseInt(s.substring(at + 2, at + 2 + digits), 16));
            return at + 2 + digits;
        }
        if (e >= '0' && e <= '7') {
            int end = at + 1;
            while (end < s.length() && end < at + 4 && s.charAt(end) >= '0' && s.charAt(end) <= '7') {
                end++;
            }
            appendChar(out, Integer.parseInt(s.substring(at + 1, end), 8));
            return end;
        }
        if (e == 'a' || e == 'v') {
            appendChar(out, e == 'a' ? 7 : 11);
            return at + 2;
        }
        out.append("\\\\").append(e);
        return at + 2;
    }

    private static void appendChar(StringBuilder out, int codePoint) {
        if (codePoint == '\\' || codePoint == '\'' || codePoint == '"') {
            out.append('\\');
        }
        out.appendCodePoint(codePoint);
    }
}
