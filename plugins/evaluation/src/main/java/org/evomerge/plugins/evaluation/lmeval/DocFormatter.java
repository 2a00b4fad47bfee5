package org.evomerge.plugins.evaluation.lmeval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.template.JinjaTemplates;

/**
 * lm-evaluation-harness's {@code doc_to_text}, {@code doc_to_target} and {@code doc_to_choice}
 * ({@code ConfigurableTask} in {@code lm_eval/api/task.py}): a field name (one of the dataset's columns) gives the
 * document's value; other text is a Jinja template rendered with the document's fields, and a rendered text of digits
 * becomes a number when the task has choices (and, for targets, a rendered {@code [...]} becomes a list), read back
 * with {@code ast.literal_eval} as lm-eval does; a number or a list is the value itself. Choices rendered from a
 * template are read back as a Python list.
 */
final class DocFormatter {

    private final JinjaTemplates jinja;
    private final LmEvalTaskConfig config;
    private final Set<String> features;

    /** @param features the dataset's column names ({@code task_docs.features}) */
    DocFormatter(JinjaTemplates jinja, LmEvalTaskConfig config, Set<String> features) {
        this.jinja = jinja;
        this.config = config;
        this.features = Set.copyOf(features);
    }

    /** {@code doc_to_text}: text, or a number (an index into the choices: one input per choice). */
    Object text(Map<String, Object> doc, Object spec) {
        if (spec instanceof Number n) {
            return n.longValue();
        }
        if (spec instanceof String template) {
            if (features.contains(template)) {
                return doc.get(template);
            }
            String text = render(template, doc, "doc_to_text");
            if (isDigits(text) && config.docToChoice != null) {
                return PythonLiteral.parse(text);
            }
            return text;
        }
        throw config.error("'doc_to_text' must be a field name, a template or a number, got " + spec);
    }

    /** {@code doc_to_target}: text, a number (an index into the choices) or a list (several right answers). */
    Object target(Map<String, Object> doc, Object spec) {
        if (spec instanceof Number n) {
            return n.longValue();
        }
        if (spec instanceof List<?> list) {
            return list;
        }
        if (spec instanceof String template) {
            if (features.contains(template)) {
                return doc.get(template);
            }
            String text = render(template, doc, "doc_to_target");
            if (isDigits(text) && config.docToChoice != null) {
                return PythonLiteral.parse(text);
            }
            if (text.length() >= 2 && text.charAt(0) == '[' && text.charAt(text.length() - 1) == ']') {
                try {
                    return PythonLiteral.parse(text);
                } catch (IllegalArgumentException e) {
                    return text;
                }
            }
            return text;
        }
        throw config.error("'doc_to_target' must be a field name, a template, a number or a list, got " + spec);
    }

    /** {@code doc_to_choice}: the choices' texts. */
    List<String> choices(Map<String, Object> doc, Object spec) {
        Object value;
        if (spec instanceof String template) {
            if (features.contains(template)) {
                value = doc.get(template);
            } else {
                String text = render(template, doc, "doc_to_choice");
                try {
                    value = PythonLiteral.parse(text);
                } catch (IllegalArgumentException e) {
                    throw config.error("'doc_to_choice' rendered " + e.getMessage());
                }
            }
        } else if (spec instanceof Map<?, ?> map) {
            value = new ArrayList<>(map.values());
        } else {
            value = spec;
        }
        if (!(value instanceof List<?> list)) {
            throw config.error("'doc_to_choice' must give a list of choices, got " + value);
        }
        List<String> choices = new ArrayList<>(list.size());
        for (Object choice : list) {
            if (!(choice instanceof String text)) {
                throw config.error("'doc_to_choice' gave " + choice + ", not text, among its choices");
            }
            choices.add(text);
        }
        return choices;
    }

    /** lm-eval's {@code resolve_field}: the field's value when the text is a field name, else the rendered template. */
    Optional<String> field(Map<String, Object> doc, Optional<String> spec, String key) {
        if (spec.isEmpty() || spec.get().isEmpty()) {
            return Optional.empty();
        }
        String text = spec.get();
        if (doc.containsKey(text)) {
            return Optional.ofNullable(doc.get(text)).map(String::valueOf);
        }
        return Optional.of(render(text, doc, key));
    }

    /** lm-eval's {@code doc_to_prefix}: the {@code gen_prefix} field's value, or the rendered template. */
    Optional<String> prefix(Map<String, Object> doc) {
        if (config.genPrefix.isEmpty()) {
            return Optional.empty();
        }
        String prefix = config.genPrefix.get();
        if (features.contains(prefix)) {
            return Optional.ofNullable(doc.get(prefix)).map(String::valueOf);
        }
        return Optional.of(render(prefix, doc, "gen_prefix"));
    }

    /** Renders {@code template} with the document's fields; a failure names the task and the key. */
    String render(String template, Map<String, Object> doc, String key) {
        try {
            return jinja.render(template, doc);
        } catch (IllegalArgumentException e) {
            throw EvomergeException.configuration("lm-eval task '" + config.task + "': '" + key + "': the template"
                    + " fails for document " + PythonFormat.shortRepr(doc) + ": " + e.getMessage());
        }
    }

    /** Python's {@code str.isdigit}. */
    static boolean isDigits(String text) {
        return !text.isEmpty() && text.codePoints().allMatch(Character::isDigit);
    }
}
