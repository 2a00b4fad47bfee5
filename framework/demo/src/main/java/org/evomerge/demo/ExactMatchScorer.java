package org.evomerge.demo;

import java.util.ArrayList;
import java.util.List;
import org.evomerge.demo.SyntheticTasks.Item;
import org.evomerge.training.kernels.RowParallelKernels;
import org.evomerge.training.model.Batch;
import org.evomerge.training.model.TrainableLlama;

/**
 * Greedy decoding through the training forward pass, scored by exact match: the fraction of items whose
 * continuation of {@code <s> prompt}, up to {@code </s>}, is exactly the answer. All prompts decode together, one
 * forward pass over every unfinished sequence per generated token (no key/value cache: the demo's sequences are a
 * dozen tokens long).
 */
public final class ExactMatchScorer {

    private final CharacterTokenizer tokenizer;
    private final RowParallelKernels kernels;

    public ExactMatchScorer(CharacterTokenizer tokenizer, RowParallelKernels kernels) {
        this.tokenizer = tokenizer;
        this.kernels = kernels;
    }

    /** The fraction of {@code items} answered exactly, in [0, 1]. */
    public double score(TrainableLlama model, List<Item> items) {
        double[] outcomes = outcomes(model, items);
        double correct = 0;
        for (double outcome : outcomes) {
            correct += outcome;
        }
        return items.isEmpty() ? 0 : correct / items.size();
    }

    /** Per item, in order, 1 when it is answered exactly and 0 otherwise: the items a paired test compares. */
    public double[] outcomes(TrainableLlama model, List<Item> items) {
        List<String> answers = generate(model, items.stream().map(Item::prompt).toList(), maxAnswerLength(items) + 1);
        double[] outcomes = new double[items.size()];
        for (int i = 0; i < items.size(); i++) {
            outcomes[i] = answers.get(i).equals(items.get(i).answer()) ? 1 : 0;
        }
        return outcomes;
    }

    /** Greedy continuations of each prompt, at most {@code maxTokens} tokens, without the end token. */
    public List<String> generate(TrainableLlama model, List<String> prompts, int maxTokens) {
        int count = prompts.size();
        List<int[]> sequences = new ArrayList<>(count);
        List<StringBuilder> outputs = new ArrayList<>(count);
        boolean[] done = new boolean[count];
        for (String prompt : prompts) {
            int[] ids = tokenizer.encode(prompt);
            int[] withBos = new int[ids.length + 1];
            withBos[0] = CharacterTokenizer.BOS;
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            sequences.add(withBos);
            outputs.add(new StringBuilder());
        }
        int vocabulary = model.config().vocab();
        for (int step = 0; step < maxTokens; step++) {
            List<Integer> active = new ArrayList<>();
            List<int[]> batchPrompts = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                if (!done[i]) {
                    active.add(i);
                    batchPrompts.add(sequences.get(i));
                }
            }
            if (active.isEmpty()) {
                break;
            }
            Batch batch = Batch.ofPrompts(batchPrompts);
            float[] logits = model.forward(batch, kernels);
            for (int a = 0; a < active.size(); a++) {
                int i = active.get(a);
                int row = batch.starts()[a] + batch.lengths()[a] - 1;
                int best = 0;
                for (int v = 1; v < vocabulary; v++) {
                    if (logits[row * vocabulary + v] > logits[row * vocabulary + best]) {
                        best = v;
                    }
                }
                if (best == CharacterTokenizer.EOS) {
                    done[i] = true;
                    continue;
                }
                outputs.get(i).append(tokenizer.decode(new int[] {best}));
                int[] old = sequences.get(i);
                int[] grown = java.util.Arrays.copyOf(old, old.length + 1);
                grown[old.length] = best;
                sequences.set(i, grown);
            }
        }
        return outputs.stream().map(StringBuilder::toString).toList();
    }

    private static int maxAnswerLength(List<Item> items) {
        return items.stream().mapToInt(i -> i.answer().length()).max().orElse(0);
    }
}
