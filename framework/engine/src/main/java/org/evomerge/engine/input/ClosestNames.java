package org.evomerge.engine.input;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * "Did you mean": the known names a mistyped one is closest to, by edit distance (insertions, deletions,
 * substitutions and swaps of neighbouring characters each count one; case is ignored). A name is suggested only when
 * it is close enough to be a typo of what was given: one edit for up to five characters, two up to eight, three
 * beyond, so {@code tiess} suggests {@code ties} and {@code mrege} suggests {@code merge}, but an unrelated word
 * suggests nothing.
 */
public final class ClosestNames {

    private ClosestNames() {
    }

    /** The known names at the smallest distance from {@code given}, in the order given; empty when none is close. */
    public static List<String> of(String given, Collection<String> known) {
        String typed = given.toLowerCase(Locale.ROOT);
        int allowed = Math.max(1, Math.min(3, typed.length() / 3));
        int best = allowed + 1;
        List<String> closest = new ArrayList<>();
        for (String name : known) {
            int distance = distance(typed, name.toLowerCase(Locale.ROOT));
            if (name.equals(given) || distance > allowed) {
                continue;
            }
            if (distance < best) {
                best = distance;
                closest.clear();
            }
            if (distance == best && !closest.contains(name)) {
                closest.add(name);
            }
        }
        return closest;
    }

    /** {@code " (did you mean 'ties'?)"}, {@code " (did you mean 'a' or 'b'?)"}, or {@code ""} when none is close. */
    public static String hint(String given, Collection<String> known) {
        List<String> closest = of(given, known);
        if (closest.isEmpty()) {
            return "";
        }
        return " (did you mean " + String.join(" or ", closest.stream().map(n -> "'" + n + "'").toList()) + "?)";
    }

    /** Optimal string alignment distance: Levenshtein plus the swap of two neighbouring characters. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int value = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    value = Math.min(value, d[i - 2][j - 2] + 1);
                }
                d[i][j] = value;
            }
        }
        return d[a.length()][b.length()];
    }
}
