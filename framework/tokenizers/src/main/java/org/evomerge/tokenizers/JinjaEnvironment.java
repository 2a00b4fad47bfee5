package org.evomerge.tokenizers;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.UnknownTokenException;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.mode.ExecutionMode;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;
import org.evomerge.api.template.JinjaTemplates;

/**
 * Jinja rendered as Python's jinja2 renders it, on HubSpot's Jinjava: values print as Python prints them
 * ({@link PythonRepr}), strings have Python's methods ({@link PythonStringMethods}), and {@code tojson},
 * {@code string} and {@code regex_replace} behave as the Python filters do. Two environments:
 * <ul>
 *   <li>{@link #forTaskTemplates()}: lm-evaluation-harness's ({@code lm_eval.utils.apply_template}):
 *       {@code StrictUndefined}, trailing newline kept, {@code regex_replace};</li>
 *   <li>{@link #forChatTemplates()}: Hugging Face transformers' for {@code chat_template}: undefined names are
 *       empty, {@code trim_blocks} and {@code lstrip_blocks}, the trailing newline dropped, the globals
 *       {@code raise_exception} and {@code strftime_now}, the {@code {% generation %}} block.</li>
 * </ul>
 * Thread-safe: each render has its own interpreter.
 */
public final class JinjaEnvironment implements JinjaTemplates {

    /** Context key of the variables as given, for telling a variable that holds None from an undefined one. */
    private static final String VARIABLES = "__evomerge_variables__";

    private final Jinjava jinjava;
    private final boolean keepTrailingNewline;

    private JinjaEnvironment(boolean strict, boolean chat) {
        this.keepTrailingNewline = !chat;
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withFailOnUnknownTokens(strict)
                // jinja2 drops one newline ending the template source, not the output: done in render()
                .withKeepTrailingNewline(true)
                .withTrimBlocks(chat)
                .withLstripBlocks(chat)
                .withElResolver(resolver)
                .withExecutionMode(new PythonOutputMode())
                // Jinjava's newer behaviours are jinja2's: operator precedence, `{{-` trimming, loops over a dict's
                // keys, map literal keys as expressions, None kept in loops
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withAllowAdjacentTextNodes(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withKeepNullableLoopValues(true)
                        .withHandleBackslashInQuotesOnly(true)
                        .build())
                .build();
        this.jinjava = new Jinjava(config);
        jinjava.registerFilter(new ToJsonFilter());
        jinjava.registerFilter(new StringFilter());
        jinjava.registerFilter(new RegexReplaceFilter());
        jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", JinjaEnvironment.class,
                "raiseException", Object.class));
        if (chat) {
            jinjava.registerFunction(new ELFunctionDefinition("", "strftime_now", JinjaEnvironment.class,
                    "strftimeNow", String.class));
            jinjava.registerTag(new GenerationTag());
        }
    }

    /** lm-evaluation-harness's environment for task templates ({@code doc_to_text} and the other fields). */
    public static JinjaEnvironment forTaskTemplates() {
        return new JinjaEnvironment(true, false);
    }

    /** transformers' environment for a tokenizer's {@code chat_template}. */
    public static JinjaEnvironment forChatTemplates() {
        return new JinjaEnvironment(false, true);
    }

    @Override
    public String render(String template, Map<String, ?> variables) {
        Objects.requireNonNull(template, "template");
        String source = template;
        if (!keepTrailingNewline) {
            source = source.endsWith("\r\n") ? source.substring(0, source.length() - 2)
                    : source.endsWith("\n") || source.endsWith("\r") ? source.substring(0, source.length() - 1) : source;
        }
        Map<String, Object> context = new HashMap<>();
        // jinja2 knows Python's spellings of the constants next to its own lower-case ones.
        context.put("True", Boolean.TRUE);
        context.put("False", Boolean.FALSE);
        context.putAll(variables);
        // Jinjava's context cannot hold None (a null is "not there"); the caller's map tells None from undefined.
        context.put(VARIABLES, variables);
        RenderResult result;
        try {
            result = jinjava.renderForResult(JinjaSource.forJinjava(source), context);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(reason(e), e);
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException(describe(error));
            }
        }
        return result.getOutput();
    }

    /** The user's reason when the template called {@code raise_exception}, else Jinjava's message. */
    private static String describe(TemplateError error) {
        Throwable cause = error.getException();
        while (cause != null) {
            if (cause instanceof RaisedByTemplate raised) {
                return raised.getMessage();
            }
            cause = cause.getCause();
        }
        String message = error.getMessage() == null ? error.getReason().toString() : error.getMessage();
        message = message.replaceFirst("^UnknownTokenException: Unknown token found: ", "'")
                .replaceFirst("^'(.*)$", "'$1' is undefined");
        return (error.getLineno() > 0 ? "line " + error.getLineno() + ": " : "") + message;
    }

    private static String reason(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof RaisedByTemplate) {
                return cause.getMessage();
            }
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** What {@code raise_exception(message)} throws; its message is the template's. */
    static final class RaisedByTemplate extends RuntimeException {
        RaisedByTemplate(String message) {
            super(message);
        }
    }

    /** transformers' {@code raise_exception}: the template refuses these messages. */
    public static Object raiseException(Object message) {
        throw new RaisedByTemplate(PythonRepr.str(message));
    }

    /** transformers' {@code strftime_now}: the current local time in Python's {@code strftime} format. */
    public static String strftimeNow(String format) {
        return strftime(ZonedDateTime.now(), format);
    }

    static String strftime(ZonedDateTime time, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char directive = format.charAt(++i);
            out.append(switch (directive) {
                case 'd' -> String.format("%02d", time.getDayOfMonth());
                case 'm' -> String.format("%02d", time.getMonthValue());
                case 'Y' -> String.valueOf(time.getYear());
                case 'y' -> String.format("%02d", time.getYear() % 100);
                case 'b' -> time.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'B' -> time.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'a' -> time.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> time.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'H' -> String.format("%02d", time.getHour());
                case 'I' -> String.format("%02d", (time.getHour() + 11) % 12 + 1);
                case 'p' -> time.getHour() < 12 ? "AM" : "PM";
                case 'M' -> String.format("%02d", time.getMinute());
                case 'S' -> String.format("%02d", time.getSecond());
                case 'j' -> String.format("%03d", time.getDayOfYear());
                case '%' -> "%";
                default -> "%" + directive;
            });
        }
        return out.toString();
    }

    /** Prints {@code {{ expression }}} as Python's {@code str()} would ({@code True}, {@code None}, {@code 1e-05}). */
    private static final class PythonOutputMode implements ExecutionMode {
        @Override
        public void prepareContext(com.hubspot.jinjava.interpret.Context context) {
            context.setExpressionStrategy(new PythonOutput());
        }
    }

    private static final class PythonOutput implements ExpressionStrategy {
        private static final long serialVersionUID = 1L;
        private static final Pattern PATH = Pattern.compile(
                "\\s*([A-Za-z_]\\w*)((?:\\.\\w+|\\[\\s*(?:'[^']*'|\"[^\"]*\"|-?\\d+)\\s*\\])*)\\s*");
        private static final Pattern STEP = Pattern.compile(
                "\\.(\\w+)|\\[\\s*(?:'([^']*)'|\"([^\"]*)\"|(-?\\d+))\\s*\\]");

        @Override
        public RenderedOutputNode interpretOutput(ExpressionToken master, JinjavaInterpreter interpreter) {
            Object value;
            try {
                value = interpreter.resolveELExpression(master.getExpr(), master.getLineNumber());
            } catch (UnknownTokenException e) {
                // Strict mode refuses every null; a name that is there and holds None prints None, as in jinja2.
                if (holdsNone(master.getExpr(), interpreter)) {
                    return new RenderedOutputNode("None");
                }
                throw e;
            }
            if (value == null) {
                // jinja2's default Undefined prints nothing.
                return new RenderedOutputNode("");
            }
            return new RenderedOutputNode(PythonRepr.str(value));
        }

        /** Whether {@code expression} is a path ({@code a.b['c'][0]}) to a value that exists and is None. */
        private static boolean holdsNone(String expression, JinjavaInterpreter interpreter) {
            Matcher path = PATH.matcher(expression);
            if (!path.matches() || !(interpreter.getContext().get(VARIABLES) instanceof Map<?, ?> variables)
                    || !variables.containsKey(path.group(1))) {
                return false;
            }
            Object value = variables.get(path.group(1));
            Matcher step = STEP.matcher(path.group(2));
            while (step.find()) {
                if (value instanceof Map<?, ?> map) {
                    String key = step.group(1) != null ? step.group(1) : step.group(2) != null ? step.group(2)
                            : step.group(3) != null ? step.group(3) : step.group(4);
                    if (!map.containsKey(key)) {
                        return false;
                    }
                    value = map.get(key);
                } else if (value instanceof List<?> list && step.group(4) != null) {
                    int index = Integer.parseInt(step.group(4));
                    index = index < 0 ? list.size() + index : index;
                    if (index < 0 || index >= list.size()) {
                        return false;
                    }
                    value = list.get(index);
                } else {
                    return false;
                }
            }
            return value == null;
        }
    }

    /** transformers' {@code tojson}: Python's {@code json.dumps} with {@code ensure_ascii=False}. */
    private static final class ToJsonFilter implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
            boolean sortKeys = Boolean.TRUE.equals(kwargs.get("sort_keys"));
            StringBuilder out = new StringBuilder();
            PythonJson.write(out, var, indent == null ? -1 : ((Number) indent).intValue(), sortKeys, 0);
            return out.toString();
        }
    }

    /** jinja2's {@code string}: Python's {@code str()}. */
    private static final class StringFilter implements Filter {
        @Override
        public String getName() {
            return "string";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PythonRepr.str(var);
        }
    }

    /** lm-evaluation-harness's {@code regex_replace(pattern, replacement, count=0)}: Python's {@code re.sub}. */
    private static final class RegexReplaceFilter implements Filter {
        @Override
        public String getName() {
            return "regex_replace";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            String pattern = String.valueOf(kwargs.getOrDefault("pattern", args.length > 0 ? args[0] : ""));
            String replacement = String.valueOf(kwargs.getOrDefault("repl", args.length > 1 ? args[1] : ""));
            Object count = kwargs.getOrDefault("count", args.length > 2 ? args[2] : 0);
            int limit = count instanceof Number n ? n.intValue() : Integer.parseInt(count.toString());
            return PythonRegex.sub(pattern, replacement, PythonRepr.str(var), limit);
        }
    }

    /** transformers' {@code {% generation %}...{% endgeneration %}}: marks the assistant's tokens; renders its body. */
    private static final class GenerationTag implements Tag {
        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (Node child : tagNode.getChildren()) {
                out.append(child.render(interpreter).getValue());
            }
            return out.toString();
        }
    }
}
