package org.evomerge.plugins.evaluation.lmeval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.evomerge.api.template.JinjaTemplates;

/**
 * Values written as Python writes them, for what lm-evaluation-harness writes with Python: {@code str()} of targets
 * and responses in logged samples, and {@code json.dumps(doc, indent=2, ensure_ascii=False)}, whose hash identifies a
 * document. The Jinja service prints values as Python does ({@link JinjaTemplates}), so it does the writing.
 */
final class PythonFormat {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final JinjaTemplates jinja;

    PythonFormat(JinjaTemplates jinja) {
        this.jinja = jinja;
    }

    /** Python's {@code str(value)}. */
    String str(Object value) {
        return jinja.render("{{ value }}", java.util.Collections.singletonMap("value", value));
    }

    /** Python's {@code str((first, second))} for a pair such as a log-likelihood and its greedy flag. */
    String pair(Object first, Object second) {
        Map<String, Object> values = new java.util.HashMap<>();
        values.put("a", first);
        values.put("b", second);
        return jinja.render("({{ a }}, {{ b }})", values);
    }

    /** Python's {@code json.dumps(value, indent=2, ensure_ascii=False)}. */
    String jsonIndented(Object value) {
        return jinja.render("{{ value|tojson(indent=2) }}", java.util.Collections.singletonMap("value", value));
    }

    /** A document, shortened, for error messages. */
    static String shortRepr(Map<String, Object> doc) {
        String text;
        try {
            text = JSON.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            text = String.valueOf(doc);
        }
        return text.length() > 160 ? text.substring(0, 160) + "...}" : text;
    }
}
