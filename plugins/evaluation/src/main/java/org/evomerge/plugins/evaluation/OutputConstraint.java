package org.evomerge.plugins.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A predicate a response must satisfy for its answer to count (the Sakana evolutionary-merge fitness counts a
 * Japanese math answer only when the reasoning is in Japanese). All given conditions must hold:
 * <ul>
 *   <li>{@code require_regex}: the pattern is found in the response;</li>
 *   <li>{@code require_script}: at least {@code min_script_share} of the response's letters belong to the given
 *       Unicode scripts ({@code +}-separated names of {@link Character.UnicodeScript}, e.g.
 *       {@code HAN+HIRAGANA+KATAKANA});</li>
 *   <li>{@code require_format}: {@code json} (parses as JSON), {@code number} (is one number),
 *       {@code single_line} (no line break inside).</li>
 * </ul>
 */
public final class OutputConstraint {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Optional<Pattern> regex;
    private final Set<Character.UnicodeScript> scripts;
    private final double minScriptShare;
    private final String format;

    public OutputConstraint(Optional<Pattern> regex, Set<Character.UnicodeScript> scripts, double minScriptShare,
            String format) {
        this.regex = regex;
        this.scripts = scripts.isEmpty() ? Set.of() : EnumSet.copyOf(scripts);
        this.minScriptShare = minScriptShare;
        this.format = format;
    }

    /** Whether any condition is set. */
    public boolean isActive() {
        return regex.isPresent() || !scripts.isEmpty() || !format.equals("none");
    }

    /**
     * Parses {@code HAN+HIRAGANA}-style lists.
     *
     * @throws IllegalArgumentException naming the unknown script
     */
    public static Set<Character.UnicodeScript> scripts(String names) {
        Set<Character.UnicodeScript> result = EnumSet.noneOf(Character.UnicodeScript.class);
        for (String name : names.split("[+,\\s]+")) {
            if (!name.isBlank()) {
                try {
                    result.add(Character.UnicodeScript.forName(name.strip().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("'" + name + "' is not a Unicode script name (e.g. LATIN, HAN,"
                            + " HIRAGANA, KATAKANA, CYRILLIC, ARABIC)");
                }
            }
        }
        return result;
    }

    /** The share of {@code text}'s letters that belong to {@code scripts}; 0 for a text without letters. */
    public static double scriptShare(String text, Set<Character.UnicodeScript> scripts) {
        long letters = 0;
        long inScripts = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLetter(cp)) {
                letters++;
                if (scripts.contains(Character.UnicodeScript.of(cp))) {
                    inScripts++;
                }
            }
        }
        return letters == 0 ? 0 : inScripts / (double) letters;
    }

    public boolean test(String response) {
        if (regex.isPresent() && !regex.get().matcher(response).find()) {
            return false;
        }
        if (!scripts.isEmpty() && scriptShare(response, scripts) < minScriptShare) {
            return false;
        }
        return switch (format) {
            case "none" -> true;
            case "json" -> isJson(response.strip());
            case "number" -> AnswerExtraction.number(response).isPresent();
            case "single_line" -> !response.strip().contains("\n");
            default -> throw new IllegalStateException(format);
        };
    }

    private static boolean isJson(String text) {
        if (text.isEmpty()) {
            return false;
        }
        try (var parser = JSON.createParser(text)) {
            JSON.readTree(parser);
            return parser.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }
}
