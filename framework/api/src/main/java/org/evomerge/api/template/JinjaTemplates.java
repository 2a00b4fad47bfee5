package org.evomerge.api.template;

import java.util.Map;

import org.evomerge.api.Experimental;

/**
 * Renders Jinja templates as Python's jinja2 renders them in the environment lm-evaluation-harness builds for task
 * files ({@code lm_eval.utils.apply_template}): undefined names are errors ({@code StrictUndefined}), a trailing
 * newline is kept, the filter {@code regex_replace(pattern, replacement, count=0)} is Python's {@code re.sub}, and
 * the values a template touches behave as Python's (string methods such as {@code strip}, {@code split},
 * {@code startswith}; list methods such as {@code index}; negative indices and slices).
 *
 * <p>A run-scoped service: extensions get it with {@code context.service(JinjaTemplates.class)}. Thread-safe.
 *
 * <p>Variables are plain Java values: {@link String}, {@link Long} or {@link Integer}, {@link Double},
 * {@link Boolean}, {@code null}, {@link java.util.List} and {@link Map} (keys are strings). Values print as Python's
 * {@code str()} prints them ({@code True}, {@code None}, {@code ['a', 'b']}), so a template that prints a list gives
 * the text lm-evaluation-harness reads back with {@code ast.literal_eval}.
 */
@Experimental(since = "0.1.0", reason = "templates of lm-evaluation-harness task files")
public interface JinjaTemplates {

    /**
     * The text {@code template} renders to with {@code variables}.
     *
     * @throws IllegalArgumentException when the template is not valid Jinja or fails for these variables (an undefined
     *     name, a method the value lacks), with the reason
     */
    String render(String template, Map<String, ?> variables);
}
