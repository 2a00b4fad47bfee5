package org.evomerge.plugins.evaluation.lmeval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * lm-evaluation-harness's response filters ({@code lm_eval/filters}), applied in order to one document's responses
 * (a list: one per repeat): {@code regex} ({@code regex_pattern}, {@code group_select}, {@code fallback}, as
 * {@code RegexFilter} takes {@code findall}'s selected match, the first non-empty group of a tuple, stripped),
 * {@code take_first}, {@code take_first_k} ({@code k}), {@code majority_vote}, {@code lowercase},
 * {@code uppercase}, {@code remove_whitespace} (strip), {@code map} ({@code mapping_dict}, {@code default_value}).
 * Log-likelihood tasks take the first response only ({@code take_first}).
 */
final class ResponseFilters {

    private static final Set<String> FUNCTIONS = Set.of("regex", "take_first", "take_first_k", "majority_vote",
            "lowercase", "uppercase", "remove_whitespace", "map");
    private static final Map<String, Set<String>> OPTIONS = Map.of(
            "regex", Set.of("regex_pattern", "group_select", "fallback"),
            "take_first_k", Set.of("k"),
            "map", Set.of("mapping_dict", "default_value"));

    private ResponseFilters() {
    }

    /** Refuses an unknown filter function, an unknown option or a bad regex, naming the pipeline. */
    static void check(LmEvalTaskConfig config, LmEvalTaskConfig.FilterSpec spec) {
        for (Map<String, Object> step : spec.functions()) {
            String function = step.get("function").toString();
            if (!FUNCTIONS.contains(function)) {
                throw config.error("filter '" + spec.name() + "': function '" + function + "' is not available ("
                        + String.join(", ", FUNCTIONS.stream().sorted().toList()) + " are)");
            }
            if (!config.outputType.equals("generate_until") && !function.equals("take_first")) {
                throw config.error("filter '" + spec.name() + "': '" + function + "' filters generated text; output_type "
                        + config.outputType + " has log-likelihoods, which only take_first applies to");
            }
            for (String option : step.keySet()) {
                if (!option.equals("function") && !OPTIONS.getOrDefault(function, Set.of()).contains(option)) {
                    throw config.error("filter '" + spec.name() + "': function '" + function + "' has no option '"
                            + option + "'");
                }
            }
            if (function.equals("regex")) {
                try {
                    PythonRegex.compile(regexPattern(step));
                } catch (IllegalArgumentException e) {
                    throw config.error("filter '" + spec.name() + "': " + e.getMessage());
                }
            }
        }
    }

    private static String regexPattern(Map<String, Object> step) {
        return step.get("regex_pattern") == null ? "#### (\\-?[0-9\\.\\,]+)" : step.get("regex_pattern").toString();
    }

    /**
     * Runs a pipeline over one document's responses.
     *
     * @return a text once {@code take_first} (or {@code majority_vote}) reduced the list, else the list
     */
    static Object apply(LmEvalTaskConfig.FilterSpec spec, List<String> responses) {
        Object current = new ArrayList<>(responses);
        for (Map<String, Object> step : spec.functions()) {
            current = step(step, current);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    private static Object step(Map<String, Object> step, Object current) {
        String function = step.get("function").toString();
        if (!(current instanceof List<?>)) {
            // A later step on an already reduced response sees it as the only one.
            current = new ArrayList<>(List.of(current));
        }
        List<Object> responses = (List<Object>) current;
        return switch (function) {
            case "take_first" -> responses.getFirst();
            case "take_first_k" -> new ArrayList<>(responses.subList(0, Math.min(responses.size(),
                    ((Number) step.get("k")).intValue())));
            case "majority_vote" -> majority(responses);
            case "lowercase" -> map(responses, r -> r.toLowerCase(java.util.Locale.ROOT));
            case "uppercase" -> map(responses, r -> r.toUpperCase(java.util.Locale.ROOT));
            case "remove_whitespace" -> map(responses, ResponseFilters::strip);
            case "map" -> {
                Map<?, ?> mapping = step.get("mapping_dict") instanceof Map<?, ?> m ? m : Map.of();
                Object fallback = step.get("default_value");
                List<Object> mapped = new ArrayList<>();
                for (Object r : responses) {
                    mapped.add(mapping.containsKey(r) ? mapping.get(r) : fallback);
                }
                yield mapped;
            }
            case "regex" -> {
                PythonRegex regex = PythonRegex.compile(regexPattern(step));
                int select = step.get("group_select") instanceof Number n ? n.intValue() : 0;
                String fallback = step.get("fallback") == null ? "[invalid]" : step.get("fallback").toString();
                List<Object> extracted = new ArrayList<>();
                for (Object r : responses) {
                    extracted.add(extract(regex, r instanceof String text ? text : "", select, fallback));
                }
                yield extracted;
            }
            default -> throw new IllegalStateException(function);
        };
    }

    /** {@code RegexFilter}: the selected match (negative counts from the end), a tuple's first non-empty group. */
    static String extract(PythonRegex regex, String response, int select, String fallback) {
        List<Object> matches = regex.findall(response);
        if (matches.isEmpty()) {
            return fallback;
        }
        int index = select < 0 ? matches.size() + select : select;
        if (index < 0 || index >= matches.size()) {
            // Python's IndexError would end the run; the document gets the fallback instead.
            return fallback;
        }
        Object match = matches.get(index);
        if (match instanceof List<?> groups) {
            String first = null;
            for (Object group : groups) {
                if (!group.toString().isEmpty()) {
                    first = group.toString();
                    break;
                }
            }
            if (first == null) {
                return fallback;
            }
            match = first;
        }
        return strip(match.toString());
    }

    private static List<Object> map(List<Object> responses, java.util.function.UnaryOperator<String> f) {
        List<Object> mapped = new ArrayList<>();
        for (Object r : responses) {
            mapped.add(f.apply(String.valueOf(r)));
        }
        return mapped;
    }

    /** {@code Counter(resp).most_common(1)}: the most frequent response, the first seen among equals. */
    private static Object majority(List<Object> responses) {
        Map<Object, Integer> counts = new LinkedHashMap<>();
        responses.forEach(r -> counts.merge(r, 1, Integer::sum));
        Object best = null;
        int bestCount = 0;
        for (Map.Entry<Object, Integer> e : counts.entrySet()) {
            if (e.getValue() > bestCount) {
                best = e.getKey();
                bestCount = e.getValue();
            }
        }
        return best;
    }

    /** Python's {@code str.strip()}. */
    static String strip(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isSpace(text.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(start, end);
    }

    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }
}
