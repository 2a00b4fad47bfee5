package org.evomerge.plugins.evaluation;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a generated response is turned into an answer and compared with the expected one.
 *
 * <ul>
 *   <li>{@code gsm8k}: the number after {@code ####} (GSM8K's answer format), else the last number in the response
 *       (lm-eval's "flexible extract"); expected answers in GSM8K form are reduced the same way;</li>
 *   <li>{@code regex}: the first capturing group (or the whole match) of {@code pattern}'s first match;</li>
 *   <li>{@code last_number}: the last number in the response;</li>
 *   <li>{@code full}: the whole response, trimmed.</li>
 * </ul>
 * Numbers lose thousands separators, a leading {@code $} and a trailing period. With {@code numeric} both sides are
 * read as numbers and agree when {@code |a - b| <= tolerance * max(1, |b|)}; otherwise they are compared as text
 * (whitespace-trimmed, case-insensitive unless {@code caseSensitive}).
 */
public final class AnswerExtraction {

    private static final Pattern NUMBER = Pattern.compile("-?\\$?\\d[\\d,]*(?:\\.\\d+)?|-?\\$?\\.\\d+");
    private static final Pattern GSM8K = Pattern.compile("####\\s*(-?\\$?[\\d.,]*\\d)");

    private final String mode;
    private final Optional<Pattern> pattern;
    private final boolean numeric;
    private final double tolerance;
    private final boolean caseSensitive;

    public AnswerExtraction(String mode, Optional<Pattern> pattern, boolean numeric, double tolerance,
            boolean caseSensitive) {
        this.mode = mode;
        this.pattern = pattern;
        this.numeric = numeric;
        this.tolerance = tolerance;
        this.caseSensitive = caseSensitive;
        if (mode.equals("regex") && pattern.isEmpty()) {
            throw new IllegalArgumentException("regex extraction needs a pattern");
        }
    }

    /** The answer in {@code response}, or empty when there is none to extract. */
    public Optional<String> extract(String response) {
        return switch (mode) {
            case "gsm8k" -> {
                Matcher strict = GSM8K.matcher(response);
                yield strict.find() ? Optional.of(clean(strict.group(1))) : lastNumber(response);
            }
            case "regex" -> {
                Matcher m = pattern.orElseThrow().matcher(response);
                yield m.find() ? Optional.of((m.groupCount() > 0 && m.group(1) != null ? m.group(1) : m.group()).strip())
                        : Optional.empty();
            }
            case "last_number" -> lastNumber(response);
            case "full" -> Optional.of(response.strip());
            default -> throw new IllegalStateException(mode);
        };
    }

    /** The expected answer as the dataset states it, reduced like a response in GSM8K mode. */
    public String expected(String answer) {
        if (mode.equals("gsm8k")) {
            Matcher m = GSM8K.matcher(answer);
            if (m.find()) {
                return clean(m.group(1));
            }
        }
        return answer.strip();
    }

    /** Whether {@code extracted} agrees with {@code expected}. */
    public boolean matches(String extracted, String expected) {
        if (numeric) {
            Optional<BigDecimal> a = number(extracted);
            Optional<BigDecimal> b = number(expected);
            if (a.isEmpty() || b.isEmpty()) {
                return false;
            }
            double x = a.get().doubleValue();
            double y = b.get().doubleValue();
            return Math.abs(x - y) <= tolerance * Math.max(1, Math.abs(y));
        }
        String a = extracted.strip();
        String b = expected.strip();
        return caseSensitive ? a.equals(b) : a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT));
    }

    private static Optional<String> lastNumber(String response) {
        Matcher m = NUMBER.matcher(response);
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        return Optional.ofNullable(last).map(AnswerExtraction::clean);
    }

    private static String clean(String number) {
        String s = number.replace(",", "").replace("$", "");
        while (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    static Optional<BigDecimal> number(String text) {
        try {
            return Optional.of(new BigDecimal(clean(text.strip())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
