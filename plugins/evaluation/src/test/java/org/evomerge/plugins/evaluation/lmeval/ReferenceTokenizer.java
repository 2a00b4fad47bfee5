package org.evomerge.plugins.evaluation.lmeval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.evomerge.api.inference.ChatMessage;
import org.evomerge.api.inference.Tokenizer;
import org.evomerge.tokenizers.ChatTemplate;

/**
 * One token per character (ids are the char codes below 128), with {@code <s>} (2) and {@code </s>} (3) as special
 * tokens whose text is read back as them, BOS added with special tokens; optionally a chat template rendered by the
 * tokenizers module's {@link ChatTemplate}.
 */
final class ReferenceTokenizer implements Tokenizer {

    static final int BOS = 2;
    static final int EOS = 3;

    private final Optional<ChatTemplate> chat;

    ReferenceTokenizer() {
        this(Optional.empty());
    }

    ReferenceTokenizer(Optional<String> chatTemplate) {
        this.chat = chatTemplate.map(t -> new ChatTemplate(t, Map.of("bos_token", "<s>", "eos_token", "</s>")));
    }

    /** The tokens of {@code text} as written: special tokens by their text, every other character as itself. */
    static int[] tokens(String text) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            if (text.startsWith("<s>", i)) {
                ids.add(BOS);
                i += 2;
            } else if (text.startsWith("</s>", i)) {
                ids.add(EOS);
                i += 3;
            } else {
                ids.add((int) text.charAt(i));
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        int[] ids = tokens(text);
        if (!addSpecialTokens) {
            return ids;
        }
        int[] withBos = new int[ids.length + 1];
        withBos[0] = BOS;
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            if (id == BOS || id == EOS) {
                if (!skipSpecialTokens) {
                    text.append(id == BOS ? "<s>" : "</s>");
                }
            } else {
                text.append((char) id);
            }
        }
        return text.toString();
    }

    @Override
    public OptionalInt bosTokenId() {
        return OptionalInt.of(BOS);
    }

    @Override
    public OptionalInt eosTokenId() {
        return OptionalInt.of(EOS);
    }

    @Override
    public Optional<String> applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt,
            boolean continueFinalMessage) {
        return chat.map(t -> t.render(messages, addGenerationPrompt, continueFinalMessage));
    }
}
