package org.evomerge.plugins.evaluation;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.evomerge.api.parameter.InvalidParameterException;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.api.parameter.Parameters;

/**
 * The benchmark kinds, each with its parameters (beyond the dataset ones) and how to build its
 * {@link EvaluationTask} from validated values. Shared by the in-process evaluators and {@code openai-http}.
 */
public enum TaskKind {
    PERPLEXITY("perplexity", List.of()),
    MULTIPLE_CHOICE("multiple-choice", List.of(
            ParameterSpec.choice("score_metric", "acc_norm", List.of("acc", "acc_norm"), "the metric used as fitness"))),
    GENERATION("generation", List.of(
            ParameterSpec.integer("max_new_tokens", 256, 1L, 1L << 20, "longest response, in tokens"),
            string("stop", "", "generation stops at this text (empty: only at EOS or max_new_tokens)"),
            ParameterSpec.choice("extract", "full", List.of("full", "gsm8k", "regex", "last_number"),
                    "how the answer is taken from the response"),
            string("pattern", "", "extract: regex; the first group (or whole match) is the answer"),
            ParameterSpec.bool("numeric", false, "compare answers as numbers"),
            ParameterSpec.number("tolerance", 1e-6, 0.0, null, "numeric: |a - b| <= tolerance * max(1, |b|)"),
            ParameterSpec.bool("case_sensitive", false, "text answers: compare case-sensitively"),
            string("require_regex", "", "the answer counts only if the response contains a match"),
            string("require_script", "", "the answer counts only if the response is written in these Unicode"
                    + " scripts, e.g. HAN+HIRAGANA+KATAKANA"),
            ParameterSpec.number("min_script_share", 0.5, 0.0, 1.0, "require_script: least share of letters"),
            ParameterSpec.choice("require_format", "none", List.of("none", "json", "number", "single_line"),
                    "the answer counts only if the whole response has this format"),
            ParameterSpec.integer("batch_size", 0, 0L, (long) Integer.MAX_VALUE, "prompts an in-process model"
                    + " generates together (0: all; 1: one at a time); the responses are the same"))),
    CLASSIFICATION("classification", List.of(
            string("template", "{text}\nLabel:", "the prompt; {text} is replaced by the record's text"),
            string("labels", "", "comma-separated label set in order (empty: the labels found in the data)")));

    private final String id;
    private final List<ParameterSpec> specs;

    TaskKind(String id, List<ParameterSpec> specs) {
        this.id = id;
        this.specs = specs;
    }

    public String id() {
        return id;
    }

    /** This kind's own parameters. */
    public List<ParameterSpec> specs() {
        return specs;
    }

    public static Optional<TaskKind> fromId(String id) {
        return Arrays.stream(values()).filter(k -> k.id.equals(id)).findFirst();
    }

    /** An optional text parameter with a default. */
    static ParameterSpec string(String name, String defaultValue, String description) {
        return new ParameterSpec(name, ParameterType.STRING, defaultValue, null, null, List.of(), false,
                ParameterScope.GLOBAL, description);
    }

    /**
     * The task the parameters describe.
     *
     * @throws InvalidParameterException naming {@code evaluatorId} and the parameter (e.g. a bad regex)
     */
    public EvaluationTask task(Parameters p, String evaluatorId) {
        return switch (this) {
            case PERPLEXITY -> new PerplexityTask();
            case MULTIPLE_CHOICE -> new MultipleChoiceTask(p.string("score_metric"));
            case GENERATION -> {
                String extract = p.string("extract");
                Optional<Pattern> pattern = regex(p, "pattern", evaluatorId);
                if (extract.equals("regex") && pattern.isEmpty()) {
                    throw new InvalidParameterException(evaluatorId, "pattern", "is required when extract is regex");
                }
                Set<Character.UnicodeScript> scripts;
                try {
                    scripts = OutputConstraint.scripts(p.string("require_script"));
                } catch (IllegalArgumentException e) {
                    throw new InvalidParameterException(evaluatorId, "require_script", e.getMessage());
                }
                String stop = p.string("stop");
                yield new GenerationTask(
                        new AnswerExtraction(extract, pattern, p.bool("numeric"), p.number("tolerance"),
                                p.bool("case_sensitive")),
                        new OutputConstraint(regex(p, "require_regex", evaluatorId), scripts,
                                p.number("min_script_share"), p.string("require_format")),
                        (int) p.integer("max_new_tokens"), stop.isEmpty() ? List.of() : List.of(stop),
                        (int) p.integer("batch_size"));
            }
            case CLASSIFICATION -> {
                String template = p.string("template");
                if (!template.contains("{text}")) {
                    throw new InvalidParameterException(evaluatorId, "template", "must contain {text}");
                }
                List<String> labels = Arrays.stream(p.string("labels").split(",")).map(String::strip)
                        .filter(s -> !s.isEmpty()).toList();
                if (labels.size() == 1) {
                    throw new InvalidParameterException(evaluatorId, "labels", "needs at least two labels");
                }
                yield new ClassificationTask(template, labels);
            }
        };
    }

    private static Optional<Pattern> regex(Parameters p, String name, String evaluatorId) {
        String text = p.has(name) ? p.string(name) : "";
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Pattern.compile(text));
        } catch (PatternSyntaxException e) {
            throw new InvalidParameterException(evaluatorId, name, "is not a valid regular expression ("
                    + e.getDescription() + ")");
        }
    }
}
