package org.evomerge.plugins.evaluation.lmeval;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Python's {@code re} over Java's regex engine, for the patterns of lm-eval task files (filters' {@code regex_pattern},
 * {@code exact_match}'s {@code regexes_to_ignore}): named groups written {@code (?P<name>...)} and
 * {@code (?P=name)}, {@code \Z}, and Unicode-aware {@code \d \w \s} as in Python 3; {@code findall}'s result shape
 * and {@code sub}'s replacement references ({@code \1}, {@code \g<name>}).
 */
final class PythonRegex {

    private final Pattern pattern;

    private PythonRegex(Pattern pattern) {
        this.pattern = pattern;
    }

    /** @throws IllegalArgumentException when the pattern is not a valid regex, with the reason */
    static PythonRegex compile(String python) {
        String java = python.replace("(?P<", "(?<").replaceAll("\\(\\?P=(\\w+)\\)", "\\\\k<$1>")
                .replace("\\Z", "\\z");
        try {
            return new PythonRegex(Pattern.compile(java, Pattern.UNICODE_CHARACTER_CLASS));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("'" + python + "' is not a valid regular expression ("
                    + e.getDescription() + ")", e);
        }
    }

    /**
     * {@code re.findall}: each match's text with no group, its group with one, and with several the list of its
     * groups ({@code ""} for a group that did not take part).
     */
    List<Object> findall(String text) {
        List<Object> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        int groups = m.groupCount();
        while (m.find()) {
            if (groups == 0) {
                found.add(m.group());
            } else if (groups == 1) {
                found.add(m.group(1) == null ? "" : m.group(1));
            } else {
                List<String> tuple = new ArrayList<>(groups);
                for (int g = 1; g <= groups; g++) {
                    tuple.add(m.group(g) == null ? "" : m.group(g));
                }
                found.add(tuple);
            }
        }
        return found;
    }

    /** {@code re.sub(pattern, replacement, text)}: every match replaced, references in the replacement expanded. */
    String sub(String replacement, String text) {
        Matcher m = pattern.matcher(text);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            out.append(text, last, m.start()).append(expand(replacement, m));
            last = m.end();
        }
        return out.append(text, last, text.length()).toString();
    }

    private static String expand(String replacement, Matcher m) {
        if (replacement.indexOf('\\') < 0) {
            return replacement;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < replacement.length(); i++) {
            char c = replacement.charAt(i);
            if (c != '\\' || i + 1 == replacement.length()) {
                out.append(c);
                continue;
            }
            char next = replacement.charAt(++i);
            if (Character.isDigit(next)) {
                int end = i + 1 < replacement.length() && Character.isDigit(replacement.charAt(i + 1)) ? i + 2 : i + 1;
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
