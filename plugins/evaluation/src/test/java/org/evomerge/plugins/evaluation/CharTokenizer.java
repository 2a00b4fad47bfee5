package org.evomerge.plugins.evaluation;

import java.util.OptionalInt;
import org.evomerge.api.inference.Tokenizer;

/** One token per UTF-16 char (ids = char codes below 128); BOS = 2 added with special tokens, EOS = 3. */
final class CharTokenizer implements Tokenizer {

    static final int BOS = 2;
    static final int EOS = 3;

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        int offset = addSpecialTokens ? 1 : 0;
        int[] ids = new int[text.length() + offset];
        if (addSpecialTokens) {
            ids[0] = BOS;
        }
        for (int i = 0; i < text.length(); i++) {
            ids[i + offset] = text.charAt(i);
        }
        return ids;
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
}
