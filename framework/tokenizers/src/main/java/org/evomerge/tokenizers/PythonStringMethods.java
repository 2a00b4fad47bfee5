package org.evomerge.tokenizers;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods on the strings a template touches, ahead of Jinjava's own resolvers: jinja2 templates
 * call them ({@code question.strip()}, {@code text.split(' ')[:-1]}, {@code answer.startswith('####')}), and Java's
 * methods of the same name mean something else ({@code split} takes a regex and drops trailing empty parts) or do not
 * exist ({@code startswith}, {@code lower}). A method this class does not know falls through to Java's.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
        if (!(base instanceof String text) || method == null) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result;
        try {
            result = call(text, method.toString(), args);
        } catch (IndexOutOfBoundsException | ClassCastException e) {
            throw new IllegalArgumentException("str." + method + "() got the wrong arguments "
                    + PythonRepr.repr(List.of(args)), e);
        }
        if (result == NOT_A_METHOD) {
            return null;
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static final Object NOT_A_METHOD = new Object();

    private static Object call(String s, String name, Object[] a) {
        return switch (name) {
            case "strip" -> strip(s, a.length > 0 ? a[0] : null, true, true);
            case "lstrip" -> strip(s, a.length > 0 ? a[0] : null, true, false);
            case "rstrip" -> strip(s, a.length > 0 ? a[0] : null, false, true);
            case "split" -> split(s, a.length > 0 ? a[0] : null, a.length > 1 ? whole(a[1]) : -1);
            case "rsplit" -> rsplit(s, a.length > 0 ? a[0] : null, a.length > 1 ? whole(a[1]) : -1);
            case "splitlines" -> splitLines(s, a.length > 0 && Boolean.TRUE.equals(a[0]));
            case "startswith" -> affixes(a[0]).stream().anyMatch(s::startsWith);
            case "endswith" -> affixes(a[0]).stream().anyMatch(s::endsWith);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "casefold" -> s.toLowerCase(Locale.ROOT);
            case "swapcase" -> swapCase(s);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "replace" -> replace(s, a[0].toString(), a[1].toString(), a.length > 2 ? whole(a[2]) : -1);
            case "find" -> s.indexOf(a[0].toString());
            case "rfind" -> s.lastIndexOf(a[0].toString());
            case "index", "rindex" -> {
                int at = name.equals("index") ? s.indexOf(a[0].toString()) : s.lastIndexOf(a[0].toString());
                if (at < 0) {
                    throw new IllegalArgumentException("substring not found: " + PythonRepr.repr(a[0]));
                }
                yield at;
            }
            case "count" -> count(s, a[0].toString());
            case "join" -> join(s, a[0]);
            case "isdigit", "isdecimal", "isnumeric" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(PythonStringMethods::isSpace);
            case "isupper" -> s.codePoints().anyMatch(Character::isLetter)
                    && s.codePoints().noneMatch(Character::isLowerCase);
            case "islower" -> s.codePoints().anyMatch(Character::isLetter)
                    && s.codePoints().noneMatch(Character::isUpperCase);
            case "zfill" -> zfill(s, whole(a[0]));
            case "ljust" -> pad(s, whole(a[0]), a.length > 1 ? a[1].toString() : " ", 0);
            case "rjust" -> pad(s, whole(a[0]), a.length > 1 ? a[1].toString() : " ", 1);
            case "center" -> pad(s, whole(a[0]), a.length > 1 ? a[1].toString() : " ", 2);
            case "partition" -> partition(s, a[0].toString(), false);
            case "rpartition" -> partition(s, a[0].toString(), true);
            case "removeprefix" -> s.startsWith(a[0].toString()) ? s.substring(a[0].toString().length()) : s;
            case "removesuffix" -> !a[0].toString().isEmpty() && s.endsWith(a[0].toString())
                    ? s.substring(0, s.length() - a[0].toString().length()) : s;
            default -> NOT_A_METHOD;
        };
    }

    /** Python's {@code str.isspace} for one char (Java's {@link Character#isWhitespace} omits no-break spaces). */
    static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }

    private static int whole(Object value) {
        return ((Number) value).intValue();
    }

    private static List<String> affixes(Object value) {
        List<String> affixes = new ArrayList<>();
        if (value instanceof Collection<?> many) {
            many.forEach(v -> affixes.add(v.toString()));
        } else {
            affixes.add(value.toString());
        }
        return affixes;
    }

    private static String strip(String s, Object chars, boolean left, boolean right) {
        String set = chars == null ? null : chars.toString();
        int start = 0;
        int end = s.length();
        while (left && start < end && (set == null ? isSpace(s.charAt(start)) : set.indexOf(s.charAt(start)) >= 0)) {
            start++;
        }
        while (right && end > start && (set == null ? isSpace(s.charAt(end - 1)) : set.indexOf(s.charAt(end - 1)) >= 0)) {
            end--;
        }
        return s.substring(start, end);
    }

    /** {@code str.split}: on runs of whitespace without empty ends when {@code separator} is None, else literally. */
    static List<String> split(String s, Object separator, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (separator == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(strip(s.substring(i), null, false, true));
                    break;
                }
                int start = i;
                while (i < n && !isSpace(s.charAt(i))) {
                    i++;
                }
                parts.add(s.substring(start, i));
            }
            return parts;
        }
        String sep = separator.toString();
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int start = 0;
        while (maxSplit < 0 || parts.size() < maxSplit) {
            int at = s.indexOf(sep, start);
            if (at < 0) {
                break;
            }
            parts.add(s.substring(start, at));
            start = at + sep.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    private static List<String> rsplit(String s, Object separator, int maxSplit) {
        if (maxSplit < 0) {
            return split(s, separator, maxSplit);
        }
        List<String> reversed = split(new StringBuilder(s).reverse().toString(),
                separator == null ? null : new StringBuilder(separator.toString()).reverse().toString(), maxSplit);
        List<String> parts = new ArrayList<>();
        for (int i = reversed.size() - 1; i >= 0; i--) {
            parts.add(new StringBuilder(reversed.get(i)).reverse().toString());
        }
        return parts;
    }

    private static List<String> splitLines(String s, boolean keepEnds) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int breakLength = c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n' ? 2
                    : "\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029".indexOf(c) >= 0 ? 1 : 0;
            if (breakLength > 0) {
                lines.add(s.substring(start, keepEnds ? i + breakLength : i));
                i += breakLength;
                start = i;
            } else {
                i++;
            }
        }
        if (start < s.length()) {
            lines.add(s.substring(start));
        }
        return lines;
    }

    private static String swapCase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(c -> out.appendCodePoint(Character.isUpperCase(c) ? Character.toLowerCase(c)
                : Character.isLowerCase(c) ? Character.toUpperCase(c) : c));
        return out.toString();
    }

    /** {@code str.title}: the first letter after any non-letter upper case, the others lower case. */
    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousLetter = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(previousLetter ? Character.toLowerCase(c) : Character.toTitleCase(c));
            previousLetter = Character.isLetter(c);
        }
        return out.toString();
    }

    /** {@code str.replace(old, new[, count])}; an empty {@code old} matches before every character and at the end. */
    private static String replace(String s, String old, String replacement, int count) {
        StringBuilder out = new StringBuilder();
        int limit = count < 0 ? Integer.MAX_VALUE : count;
        int n = 0;
        if (old.isEmpty()) {
            for (int i = 0; i <= s.length(); i++) {
                if (n++ < limit) {
                    out.append(replacement);
                }
                if (i < s.length()) {
                    out.append(s.charAt(i));
                }
            }
            return out.toString();
        }
        int start = 0;
        for (int at = s.indexOf(old); at >= 0 && n < limit; at = s.indexOf(old, start), n++) {
            out.append(s, start, at).append(replacement);
            start = at + old.length();
        }
        return out.append(s, start, s.length()).toString();
    }

    private static int count(String s, String part) {
        if (part.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(part); at >= 0; at = s.indexOf(part, at + part.length())) {
            n++;
        }
        return n;
    }

    private static String join(String separator, Object items) {
        StringBuilder out = new StringBuilder();
        Iterator<?> it = items instanceof Iterable<?> iterable ? iterable.iterator()
                : items instanceof Object[] array ? List.of(array).iterator()
                : items instanceof String text ? text.chars().mapToObj(c -> String.valueOf((char) c)).iterator() : null;
        if (it == null) {
            throw new IllegalArgumentException("can only join an iterable");
        }
        while (it.hasNext()) {
            Object item = it.next();
            if (!(item instanceof CharSequence)) {
                throw new IllegalArgumentException("sequence item: expected str instance, got "
                        + PythonRepr.repr(item));
            }
            out.append(item);
            if (it.hasNext()) {
                out.append(separator);
            }
        }
        return out.toString();
    }

    private static String zfill(String s, int width) {
        if (s.length() >= width) {
            return s;
        }
        String zeros = "0".repeat(width - s.length());
        return !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-') ? s.charAt(0) + zeros + s.substring(1)
                : zeros + s;
    }

    /** ljust (0), rjust (1), center (2) with Python's rule for an odd margin: the extra fill goes right when centering. */
    private static String pad(String s, int width, String fill, int mode) {
        int margin = width - s.length();
        if (margin <= 0) {
            return s;
        }
        return switch (mode) {
            case 0 -> s + fill.repeat(margin);
            case 1 -> fill.repeat(margin) + s;
            default -> {
                int left = margin / 2 + (margin & width & 1);
                yield fill.repeat(left) + s + fill.repeat(margin - left);
            }
        };
    }

    private static List<String> partition(String s, String separator, boolean last) {
        int at = last ? s.lastIndexOf(separator) : s.indexOf(separator);
        if (at < 0) {
            return last ? List.of("", "", s) : List.of(s, "", "");
        }
        return List.of(s.substring(0, at), separator, s.substring(at + separator.length()));
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // read-only: nothing to set on a string
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
