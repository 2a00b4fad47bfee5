package org.evomerge.api.training;

import java.util.Arrays;
import java.util.List;
import org.evomerge.api.Experimental;

/**
 * Tokenised training examples. The caller tokenises with the model's tokenizer, so the trainer never guesses one.
 *
 * @param examples at least one example
 */
@Experimental(since = "0.1.0",
        reason = "fine-tuning for mutations (full or LoRA); settings and results may gain fields")
public record TrainingData(List<Example> examples) {

    public TrainingData {
        examples = List.copyOf(examples);
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("training data needs at least one example");
        }
    }

    /**
     * One token sequence. The model learns to predict every token at index {@code lossStart} or later from the
     * tokens before it: 1 for plain text ({@code {"text": ...}}), the prompt's length for a prompt/answer pair so
     * the loss covers the answer only.
     *
     * @param tokens    at least two token ids
     * @param lossStart in {@code [1, tokens.length)}
     */
    public record Example(int[] tokens, int lossStart) {

        public Example {
            if (tokens.length < 2) {
                throw new IllegalArgumentException("an example needs at least two tokens, got " + tokens.length);
            }
            if (lossStart < 1 || lossStart >= tokens.length) {
                throw new IllegalArgumentException("lossStart " + lossStart + " outside [1, " + tokens.length + ")");
            }
            tokens = tokens.clone();
        }

        /** A plain text example: loss on every token after the first. */
        public static Example text(int[] tokens) {
            return new Example(tokens, 1);
        }

        /** A prompt/answer example: loss on the answer's tokens only. */
        public static Example promptAnswer(int[] prompt, int[] answer) {
            int[] all = Arrays.copyOf(prompt, prompt.length + answer.length);
            System.arraycopy(answer, 0, all, prompt.length, answer.length);
            return new Example(all, prompt.length);
        }

        @Override
        public int[] tokens() {
            return tokens.clone();
        }

        /** The number of tokens. */
        public int length() {
            return tokens.length;
        }

        /** Token {@code i}, without copying. */
        public int token(int i) {
            return tokens[i];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Example e && e.lossStart == lossStart && Arrays.equals(e.tokens, tokens);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(tokens) + lossStart;
        }

        @Override
        public String toString() {
            return "Example[" + tokens.length + " tokens, lossStart=" + lossStart + "]";
        }
    }
}
