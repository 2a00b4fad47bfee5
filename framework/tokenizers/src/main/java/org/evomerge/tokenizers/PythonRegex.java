package org.evomerge.tokenizers;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Python's {@code re.sub} over Java's regex engine: named groups and replacement references translated. */
final class PythonRegex {
    private static final Pattern NAMED_GROUP = Pattern.compile("\\(\\?P<");
    private static final Pattern NAMED_REFERENCE = Pattern.compile("\\(\\?P=(\\w+)\\)");

    private PythonRegex() {
    }

    static Pattern compile(String python) {
        String java = NAMED_GROUP.matcher(python).replaceAll("(?<");
        java = NAMED_REFERENCE.matcher(java).replaceAll("\\\\k<$1>");
        return Pattern.compile(java);
    }

    static String sub(String pattern, String replacement, String text, int count) {
        Matcher m = compile(pattern).matcher(text);
        StringBuilder out = new StringBuilder();
        int n = 0;
        int last = 0;
        while ((count <= 0 || n < count) && m.find()) {
            out.append(text, last, m.start()).append(expand(replacement, m));
            last = m.end();
            n++;
        }
        return out.append(text, last, text.length()).toString();
    }

    /** Python's replacement template: {@code \1}, {@code \g<1>}, {@code \g<name>} and the usual escapes. */
    private static String expand(String replacement, Matcher m) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < replacement.length(); i++) {
            char c = replacement.charAt(i);
            if (c != '\\' || i + 1 == replacement.length()) {
                out.append(c);
                continue;
            }
            char next = replacement.charAt(++i);
            if (Character.isDigit(next)) {
                int end = i + 1;
                if (end < replacement.length() && Character.isDigit(replacement.charAt(end))) {
                    end++;
                }
                String group = m.group(Integer.parseInt(replacement.substring(i, end)));
                out.append(group == null ? "" : group);
                i = end - 1;
            } else if (next == 'g' && i + 1 < replacement.length() && replacement.charAt(i + 1) == '<') {
                int close = replacement.indexOf('>', i);
                String name = replacement.substring(i + 2, close);
                String group = name.chars().allMatch(Character::isDigit) ? m.group(Integer.parseInt(name))
                        : m.group(name);
                out.append(group == null ? "" : group);
                i = close;
            } else {
                out.append(switch (next) {
                    case 'n' -> "\n";
                    case 't' -> "\t";
                    case 'r' -> "\r";
                    case '\\' -> "\\";
                    default -> "\\" + next;
                });
            }
        }
        return out.toString();
    }
}
