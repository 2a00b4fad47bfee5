package org.evomerge.plugins.evaluation.lmeval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.inference.ChatMessage;
import org.evomerge.plugins.evaluation.ScoringModel;

/**
 * The prompt lm-evaluation-harness builds for a document ({@code ConfigurableTask.fewshot_context},
 * {@code build_qa_turn}, {@code lm_eval/api/utils.py}): an optional system message (the system instruction and the
 * task's {@code description}), {@code num_fewshot} question/answer turns from the sampler, then the document's
 * question; as plain text each turn ends with its delimiter ({@code target_delimiter} after a question that is
 * answered, {@code fewshot_delimiter} after an answer), or, with {@code apply_chat_template}, rendered by the model's
 * chat template, the few-shot turns kept as separate messages ({@code fewshot_as_multiturn}) or folded into one user
 * message. A document whose question is a number (an index into its choices) gets one prompt per choice.
 */
final class PromptBuilder {

    /** One message with the text that follows it when written out as plain text. */
    private static final class Message {
        final String role;
        final String content;
        String delimiter;

        Message(String role, String content, String delimiter) {
            this.role = role;
            this.content = content;
            this.delimiter = delimiter;
        }

        String text() {
            return content + delimiter;
        }
    }

    /**
     * The prompts of one document.
     *
     * @param contexts one prompt, or one per choice for a task whose question is an index into its choices
     * @param multipleInput whether the contexts are per choice
     */
    record Prompt(List<String> contexts, boolean multipleInput) {
        String only() {
            return contexts.getFirst();
        }
    }

    private final LmEvalTaskConfig config;
    private final DocFormatter format;
    private final FewshotSampler sampler;
    private final int numFewshot;
    private final String systemInstruction;
    private final boolean chat;
    private final boolean multiturn;
    private final boolean multipleInput;

    PromptBuilder(LmEvalTaskConfig config, DocFormatter format, FewshotSampler sampler, int numFewshot,
                  String systemInstruction, boolean applyChatTemplate, boolean fewshotAsMultiturn,
                  boolean multipleInput) {
        this.config = config;
        this.format = format;
        this.sampler = sampler;
        this.numFewshot = numFewshot;
        this.systemInstruction = systemInstruction;
        this.chat = applyChatTemplate;
        this.multiturn = fewshotAsMultiturn;
        this.multipleInput = multipleInput;
    }

    /**
     * The prompt of {@code doc}; draws its few-shot examples from the sampler.
     *
     * @param evalFromFewshotSplit whether the evaluated split is the few-shot one (the document is then left out)
     */
    Prompt build(Map<String, Object> doc, boolean evalFromFewshotSplit, ScoringModel model) {
        List<Message> messages = new ArrayList<>();
        Optional<String> genPrefix = format.prefix(doc);
        String description = format.field(doc, config.description, "description").orElse("");
        String system = maybeDelimit(systemInstruction, description, config.fewshotDelimiter);
        if (!system.isEmpty()) {
            messages.add(new Message("system", system, ""));
        }
        if (numFewshot > 0) {
            List<Map<String, Object>> shots;
            try {
                shots = sampler.sample(numFewshot, evalFromFewshotSplit ? Optional.of(doc) : Optional.empty());
            } catch (IllegalArgumentException e) {
                throw config.error(e.getMessage());
            }
            LmEvalTaskConfig.Fewshot fs = config.fewshot;
            for (Map<String, Object> shot : shots) {
                Object q = format.text(shot, fs.docToText());
                List<String> c = fs.docToChoice() == null ? null : format.choices(shot, fs.docToChoice());
                Object a = format.target(shot, fs.docToTarget());
                Optional<String> shotPrefix = format.field(shot, fs.genPrefix(), "gen_prefix");
                if (multipleInput) {
                    q = c.get(index(q, c));
                    c = null;
                }
                messages.addAll(turn(text(q), c, Optional.of(a), shotPrefix, fs.targetDelimiter(),
                        fs.fewshotDelimiter()));
            }
        }
        Object q = format.text(doc, config.docToText);
        List<String> c = config.docToChoice == null ? null : format.choices(doc, config.docToChoice);
        if (multipleInput) {
            List<String> contexts = new ArrayList<>();
            for (String choice : c) {
                List<Message> own = new ArrayList<>(copy(messages));
                own.addAll(turn(choice, null, Optional.empty(), genPrefix, "", "\n\n"));
                contexts.add(render(own, genPrefix, model));
            }
            return new Prompt(contexts, true);
        }
        messages.addAll(turn(text(q), c, Optional.empty(), genPrefix, config.targetDelimiter, ""));
        return new Prompt(List.of(render(messages, genPrefix, model)), false);
    }

    private String render(List<Message> messages, Optional<String> genPrefix, ScoringModel model) {
        if (!chat) {
            StringBuilder out = new StringBuilder();
            messages.forEach(m -> out.append(m.text()));
            return out.toString();
        }
        List<ChatMessage> chatMessages = multiturn ? dicts(messages) : singleTurn(copy(messages));
        boolean addGenerationPrompt = genPrefix.isEmpty() || genPrefix.get().isEmpty();
        try {
            return model.applyChatTemplate(chatMessages, addGenerationPrompt, !addGenerationPrompt)
                    .orElseThrow(() -> config.error("apply_chat_template is set, but the model's tokenizer has no"
                            + " chat_template (tokenizer_config.json)"));
        } catch (IllegalArgumentException e) {
            // As lm-eval: a template that refuses a system message gets the conversation without it.
            List<ChatMessage> withoutSystem = chatMessages.stream().filter(m -> !m.role().equals("system")).toList();
            try {
                return model.applyChatTemplate(withoutSystem, addGenerationPrompt, !addGenerationPrompt).orElseThrow();
            } catch (IllegalArgumentException again) {
                throw EvomergeException.input("lm-eval task '" + config.task + "': the model's chat template fails: "
                        + again.getMessage(), again);
            }
        }
    }

    /** {@code build_qa_turn}: the user's question, and the answer (or the generation prefix) as the assistant's. */
    private List<Message> turn(String q, List<String> c, Optional<Object> a, Optional<String> genPrefix,
                               String targetDelimiter, String fewshotDelimiter) {
        boolean hasAnswer = a.isPresent() && a.get() != null && !"".equals(a.get());
        String userDelimiter = hasAnswer && genPrefix.isEmpty() ? targetDelimiter
                : genPrefix.isPresent() && requiresDelimiter(q, genPrefix.get()) ? targetDelimiter : "";
        List<Message> messages = new ArrayList<>();
        messages.add(new Message("user", q, userDelimiter));
        if (hasAnswer) {
            Object answer = a.get();
            String answerText;
            if (c != null && !c.isEmpty() && isInteger(answer)) {
                answerText = c.get(index(answer, c));
            } else if (answer instanceof List<?> list && !list.isEmpty()) {
                answerText = text(list.getFirst());
            } else {
                answerText = text(answer);
            }
            messages.add(new Message("assistant", maybeDelimit(genPrefix.orElse(null), answerText, " "),
                    fewshotDelimiter));
        } else if (genPrefix.isPresent() && !genPrefix.get().isEmpty()) {
            messages.add(new Message("assistant", genPrefix.get(), ""));
        }
        return messages;
    }

    /** {@code multiturn_to_singleturn}: everything but a system message and a final answer in one user message. */
    private static List<ChatMessage> singleTurn(List<Message> messages) {
        Message system = null;
        List<Message> rest = messages;
        if (!messages.isEmpty() && messages.getFirst().role.equals("system")) {
            system = messages.getFirst();
            rest = messages.subList(1, messages.size());
        }
        List<ChatMessage> result = new ArrayList<>();
        if (system != null) {
            result.add(new ChatMessage(system.role, system.content));
        }
        Message last = rest.getLast();
        List<Message> user = last.role.equals("assistant") ? rest.subList(0, rest.size() - 1) : rest;
        user.getLast().delimiter = "";
        StringBuilder joined = new StringBuilder();
        user.forEach(m -> joined.append(m.text()));
        result.add(new ChatMessage("user", joined.toString()));
        if (last.role.equals("assistant")) {
            result.add(new ChatMessage(last.role, last.content));
        }
        return result;
    }

    private static List<ChatMessage> dicts(List<Message> messages) {
        return messages.stream().map(m -> new ChatMessage(m.role, m.content)).toList();
    }

    private static List<Message> copy(List<Message> messages) {
        return messages.stream().map(m -> new Message(m.role, m.content, m.delimiter)).toList();
    }

    /** {@code maybe_delimit}: join with the delimiter unless either side already has whitespace at the join. */
    static String maybeDelimit(String prefix, String suffix, String delimiter) {
        if (prefix == null || prefix.isEmpty()) {
            return suffix == null ? "" : suffix;
        }
        if (suffix == null || suffix.isEmpty()) {
            return prefix;
        }
        boolean spaced = ResponseFilters.isSpace(prefix.charAt(prefix.length() - 1))
                || ResponseFilters.isSpace(suffix.charAt(0));
        return spaced ? prefix + suffix : prefix + delimiter + suffix;
    }

    /** {@code requires_delimiter}: neither side has whitespace at the join. */
    static boolean requiresDelimiter(String prefix, String suffix) {
        if (prefix.isEmpty()) {
            return false;
        }
        return !(ResponseFilters.isSpace(prefix.charAt(prefix.length() - 1))
                || (!suffix.isEmpty() && ResponseFilters.isSpace(suffix.charAt(0))));
    }

    private String text(Object value) {
        if (value instanceof String text) {
            return text;
        }
        throw config.error("a question or answer is " + value + ", not text (lm-eval stops here too)");
    }

    static boolean isInteger(Object value) {
        return value instanceof Long || value instanceof Integer || value instanceof java.math.BigInteger;
    }

    private int index(Object value, List<String> choices) {
        long i = ((Number) value).longValue();
        if (i < 0) {
            i += choices.size();
        }
        if (i < 0 || i >= choices.size()) {
            throw config.error("index " + value + " is outside the " + choices.size() + " choices " + choices);
        }
        return (int) i;
    }
}
