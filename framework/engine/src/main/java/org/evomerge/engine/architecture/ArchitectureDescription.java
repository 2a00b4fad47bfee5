package org.evomerge.engine.architecture;

import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model family's tensor naming, read from a data file: which config.json {@code model_type}s and
 * {@code architectures} it covers, and an ordered list of name patterns, each with the tensor's role. In a pattern,
 * {@code {layer}} is a layer index and {@code *} one dot-free name segment; the first matching pattern wins.
 *
 * @param name          the description's id (its file name without {@code .yaml})
 * @param description   one line
 * @param modelTypes    config.json {@code model_type} values it covers
 * @param architectures config.json {@code architectures} class names it covers
 * @param patterns      the naming rules, in order
 * @param source        where it was read from (a file or "built-in")
 */
public record ArchitectureDescription(String name, String description, List<String> modelTypes,
                                      List<String> architectures, List<TensorPattern> patterns, String source) {

    public ArchitectureDescription {
        modelTypes = List.copyOf(modelTypes);
        architectures = List.copyOf(architectures);
        patterns = List.copyOf(patterns);
    }

    /** One naming rule, compiled. */
    public record TensorPattern(String pattern, TensorRole role, Pattern regex, boolean hasLayer) {

        static TensorPattern compile(String pattern, TensorRole role) {
            StringBuilder regex = new StringBuilder();
            boolean hasLayer = false;
            int i = 0;
            while (i < pattern.length()) {
                if (pattern.startsWith("{layer}", i)) {
                    if (hasLayer) {
                        throw new IllegalArgumentException("pattern '" + pattern + "' has {layer} twice");
                    }
                    regex.append("(\\d+)");
                    hasLayer = true;
                    i += "{layer}".length();
                } else if (pattern.charAt(i) == '*') {
                    regex.append("[^.]+");
                    i++;
                } else {
                    int next = i;
                    while (next < pattern.length() && pattern.charAt(next) != '*' && !pattern.startsWith("{layer}", next)) {
                        next++;
                    }
                    regex.append(Pattern.quote(pattern.substring(i, next)));
                    i = next;
                }
            }
            return new TensorPattern(pattern, role, Pattern.compile(regex.toString()), hasLayer);
        }
    }

    /** Where {@code tensorName} sits, or {@link TensorPlacement#UNKNOWN} when no rule matches. */
    public TensorPlacement classify(String tensorName) {
        for (TensorPattern p : patterns) {
            Matcher m = p.regex().matcher(tensorName);
            if (m.matches()) {
                OptionalInt layer = OptionalInt.empty();
                if (p.hasLayer()) {
                    try {
                        layer = OptionalInt.of(Integer.parseInt(m.group(1)));
                    } catch (NumberFormatException e) {
                        continue; // a "layer" number too large to be one
                    }
                }
                return new TensorPlacement(p.role(), layer);
            }
        }
        return TensorPlacement.UNKNOWN;
    }
}
