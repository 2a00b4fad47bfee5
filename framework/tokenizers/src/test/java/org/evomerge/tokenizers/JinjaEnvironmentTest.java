package org.evomerge.tokenizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The task-template environment against Python's jinja2 3.1.6: every expected text below is what
 * {@code Environment(loader=BaseLoader, undefined=StrictUndefined, keep_trailing_newline=True)} with lm-eval's
 * {@code regex_replace} filter rendered for the same template and document (the environment of
 * {@code lm_eval.utils.apply_template}). The templates are those of lm-eval's arc_easy, arc_challenge_chat,
 * lambada_openai and gsm8k task files, plus the Python behaviours they rely on.
 */
class JinjaEnvironmentTest {

    static final JinjaEnvironment TASKS = JinjaEnvironment.forTaskTemplates();

    static Map<String, Object> doc() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("question", "  What is 2+2? ");
        doc.put("answerKey", "B");
        doc.put("choices", Map.of("text", List.of("3", "4", "it's \"5\""), "label", List.of("A", "B", "C")));
        doc.put("text", "the quick  brown fox");
        doc.put("answer", "so 4 #### 72");
        doc.put("n", 3L);
        doc.put("x", 0.00001);
        doc.put("big", 1e16);
        doc.put("f", 2.0);
        doc.put("flag", true);
        doc.put("nothing", null);
        doc.put("csv", "a,b,,c,");
        return doc;
    }

    static Stream<Arguments> jinja2Renderings() {
        return Stream.of(
                Arguments.of("Question: {{question}}\nAnswer:",
                        "Question:   What is 2+2? \nAnswer:"),
                Arguments.of("{{choices.label.index(answerKey)}}",
                        "1"),
                Arguments.of("{{choices.text}}",
                        "['3', '4', 'it\\'s \"5\"']"),
                Arguments.of("{{question.strip()}}|{{question.lstrip()}}|{{question.rstrip()}}|{{'xxaxx'.strip('x')}}",
                        "What is 2+2?|What is 2+2? |  What is 2+2?|a"),
                Arguments.of("{{text.split(' ')[:-1]|join(' ')}}",
                        "the quick  brown"),
                Arguments.of("{{' '+text.split(' ')[-1]}}",
                        " fox"),
                Arguments.of("{{text.split()}}|{{csv.split(',')}}|{{csv.split(',', 2)}}|{{text.split(None, 1)}}",
                        "['the', 'quick', 'brown', 'fox']|['a', 'b', '', 'c', '']|['a', 'b', ',c,']|['the', 'quick  brown fox']"),
                Arguments.of("{{ 'ABCD'[answerKey|int - 1] if answerKey|string in '1234' else answerKey }}",
                        "B"),
                Arguments.of("{{answer.split('####')[-1].strip()}}",
                        "72"),
                Arguments.of("{% if choices.text|length > 3 %}D{% endif %}x\n",
                        "x\n"),
                Arguments.of("{{ n }} {{ x }} {{ big }} {{ f }} {{ flag }} {{ nothing }} {{ 3/2 }} {{ 7//2 }}",
                        "3 1e-05 1e+16 2.0 True None 1.5 3"),
                Arguments.of("{{ [flag, nothing, x, 'a', \"b'c\"] }} {{ {'k': 1} }}",
                        "[True, None, 1e-05, 'a', \"b'c\"] {'k': 1}"),
                Arguments.of("{{ question.startswith('  W') }} {{ answer.endswith(('72', 'x')) }} {{ 'AbC'.lower() }}{{ 'AbC'.upper() }} {{ 'hello world'.title() }}",
                        "True True abcABC Hello World"),
                Arguments.of("{{ answer.replace('4', 'four') }} {{ answer.find('#') }} {{ answer.count('#') }} {{ '7'.zfill(3) }}",
                        "so four #### 72 5 4 007"),
                Arguments.of("{{ answer|regex_replace('[0-9]+', 'N') }}|{{ answer|regex_replace('(\\d+)', '<\\\\1>', 1) }}",
                        "so N #### N|so <4> #### 72"),
                Arguments.of("{{ choices.text|string }}|{{ n|string }}",
                        "['3', '4', 'it\\'s \"5\"']|3"),
                Arguments.of("{% for l in choices.label %}{{ loop.index }}{{ l }}{% if not loop.last %},{% endif %}{% endfor %}",
                        "1A,2B,3C"),
                Arguments.of("{{ 'x' ~ n }} {{ choices.text[-1] }} {{ choices.text|length }}",
                        "x3 it's \"5\" 3"));
    }

    @ParameterizedTest
    @MethodSource("jinja2Renderings")
    void rendersAsJinja2(String template, String expected) {
        assertEquals(expected, TASKS.render(template, doc()));
    }

    @Test
    void undefinedNamesAndMissingMethodsAreErrorsWithTheReason() {
        IllegalArgumentException undefined = assertThrows(IllegalArgumentException.class,
                () -> TASKS.render("{{ undefined_name }}", doc()));
        assertTrue(undefined.getMessage().contains("undefined_name"), undefined.getMessage());
        IllegalArgumentException method = assertThrows(IllegalArgumentException.class,
                () -> TASKS.render("{{ question.nosuchmethod() }}", doc()));
        assertTrue(method.getMessage().contains("nosuchmethod"), method.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TASKS.render("{% if %}", doc()));
    }

    @Test
    void chatEnvironmentTojsonIsPythonJsonDumps() {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("type", "object");
        parameters.put("required", List.of("city"));
        parameters.put("n", 1.5);
        parameters.put("e", 1e-05);
        parameters.put("ok", true);
        parameters.put("none", null);
        parameters.put("empty", List.of());
        parameters.put("obj", Map.of());
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("name", "get_weather");
        tool.put("description", "Temp in \u00b0C, \"now\"");
        tool.put("parameters", parameters);
        JinjaEnvironment chat = JinjaEnvironment.forChatTemplates();
        Map<String, Object> variables = Map.of("tool", tool);
        // json.dumps(tool, ensure_ascii=False), with indent=2, and with sort_keys=True
        assertEquals("{\"name\": \"get_weather\", \"description\": \"Temp in \u00b0C, \\\"now\\\"\", \"parameters\": "
                + "{\"type\": \"object\", \"required\": [\"city\"], \"n\": 1.5, \"e\": 1e-05, \"ok\": true, \"none\": null, "
                + "\"empty\": [], \"obj\": {}}}", chat.render("{{ tool|tojson }}", variables));
        assertEquals("{\n  \"name\": \"get_weather\",\n  \"description\": \"Temp in \u00b0C, \\\"now\\\"\",\n  "
                + "\"parameters\": {\n    \"type\": \"object\",\n    \"required\": [\n      \"city\"\n    ],\n    "
                + "\"n\": 1.5,\n    \"e\": 1e-05,\n    \"ok\": true,\n    \"none\": null,\n    \"empty\": [],\n    "
                + "\"obj\": {}\n  }\n}", chat.render("{{ tool|tojson(indent=2) }}", variables));
        assertEquals("{\"description\": \"Temp in \u00b0C, \\\"now\\\"\", \"name\": \"get_weather\", \"parameters\": "
                + "{\"e\": 1e-05, \"empty\": [], \"n\": 1.5, \"none\": null, \"obj\": {}, \"ok\": true, \"required\": "
                + "[\"city\"], \"type\": \"object\"}}", chat.render("{{ tool|tojson(sort_keys=true) }}", variables));
    }

    @Test
    void chatEnvironmentPrintsUndefinedAsNothingAndDropsOneTrailingNewline() {
        JinjaEnvironment chat = JinjaEnvironment.forChatTemplates();
        assertEquals("ab", chat.render("a{{ missing }}{% if missing %}x{% endif %}b\n", Map.of()));
        assertEquals("a\n", chat.render("a\n\n", Map.of()));
        assertEquals("a\n", TASKS.render("a\n", Map.of()), "lm-eval keeps the trailing newline");
    }

    @Test
    void strftimeFollowsPythonDirectives() {
        java.time.ZonedDateTime time = java.time.ZonedDateTime.of(2024, 7, 26, 14, 5, 9, 0, java.time.ZoneOffset.UTC);
        assertEquals("26 Jul 2024 Friday 02:05:09 PM %", JinjaEnvironment.strftime(time, "%d %b %Y %A %I:%M:%S %p %%"));
    }
}
