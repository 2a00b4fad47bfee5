package org.evomerge.training.model;

import java.util.List;
import org.evomerge.api.training.TrainingData;

/**
 * Sequences packed row after row: sequence {@code s} occupies rows {@code [starts[s], starts[s] + lengths[s])}.
 * {@code targets[row]} is the token the row must predict, or -1 where no loss applies (prompt tokens, a sequence's
 * last token).
 */
public record Batch(int[] tokens, int[] targets, int[] starts, int[] lengths, int targetCount) {

    /** Packs examples, each cut to its first {@code maxLength} tokens. */
    public static Batch of(List<TrainingData.Example> examples, int maxLength) {
        int rows = 0;
        for (TrainingData.Example e : examples) {
            rows += Math.min(e.length(), maxLength);
        }
        int[] tokens = new int[rows];
        int[] targets = new int[rows];
        int[] starts = new int[examples.size()];
        int[] lengths = new int[examples.size()];
        int row = 0;
        int count = 0;
        for (int s = 0; s < examples.size(); s++) {
            TrainingData.Example e = examples.get(s);
            int length = Math.min(e.length(), maxLength);
            starts[s] = row;
            lengths[s] = length;
            for (int i = 0; i < length; i++) {
                tokens[row + i] = e.token(i);
                boolean scored = i + 1 < length && i + 1 >= e.lossStart();
                targets[row + i] = scored ? e.token(i + 1) : -1;
                count += scored ? 1 : 0;
            }
            row += length;
        }
        return new Batch(tokens, targets, starts, lengths, count);
    }

    /** Prompts without targets, for scoring or decoding. */
    public static Batch ofPrompts(List<int[]> prompts) {
        int rows = 0;
        for (int[] p : prompts) {
            rows += p.length;
        }
        int[] tokens = new int[rows];
        int[] targets = new int[rows];
        java.util.Arrays.fill(targets, -1);
        int[] starts = new int[prompts.size()];
        int[] lengths = new int[prompts.size()];
        int row = 0;
        for (int s = 0; s < prompts.size(); s++) {
            int[] p = prompts.get(s);
            starts[s] = row;
            lengths[s] = p.length;
            System.arraycopy(p, 0, tokens, row, p.length);
            row += p.length;
        }
        return new Batch(tokens, targets, starts, lengths, 0);
    }

    public int rows() {
        return tokens.length;
    }

    public int longest() {
        int max = 0;
        for (int length : lengths) {
            max = Math.max(max, length);
        }
        return max;
    }
}
