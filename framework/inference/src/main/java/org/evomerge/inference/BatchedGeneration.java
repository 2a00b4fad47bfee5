package org.evomerge.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.ObjIntConsumer;

import org.evomerge.api.inference.Generation;
import org.evomerge.api.inference.GenerationRequest;
import org.evomerge.api.inference.Tokenizer;

/**
 * Generation of many prompts at once on the CPU kernels, each continuation bit for bit what
 * {@link LlamaLanguageModel#generate} gives for its prompt alone. Sequences run in groups; within a group every
 * forward pass holds a row of each sequence still generating (each at its own cache position, with its own sampler and
 * stop rules), and the prompts are prefilled together, the prefix they all share computed once and copied into each
 * sequence's cache.
 *
 * <p>Why the bits agree: every step of the forward pass but the matrix products works row by row, and the products
 * run in an explicit {@link SummationOrder} in which a row's value does not depend on the other rows. Each row takes the
 * order the one-sequence path uses for it: a prompt of 4 to {@link LlamaForward#MAX_BATCH} tokens is one
 * {@link SummationOrder#PANEL} batch there, so its rows (and a shared prefix of them) are prefilled in that order; a
 * decoded token, and the output head, is a one-token product ({@link SummationOrder#DOT}). Shorter and longer prompts
 * are prefilled alone, through the same call the one-sequence path makes.
 */
final class BatchedGeneration {

    /** Sequences per group, at most: bounds the rows of one decoding step. */
    static final int MAX_SEQUENCES = 256;
    /** Key/value cache memory a group may hold, at most (one sequence always runs). */
    private static final long CACHE_BUDGET_BYTES = 256L << 20;

    private final LlamaLanguageModel model;
    private final LlamaForward forward;

    BatchedGeneration(LlamaLanguageModel model) {
        this.model = model;
        this.forward = model.forward();
    }

    /** A prompt being continued. */
    private static final class Sequence {
        final int index;
        final int[] prompt;
        final KeyValueCache cache;
        final TokenSampler sampler;
        final List<Integer> generated = new ArrayList<>();
        int next;
        Generation result;

        Sequence(int index, int[] prompt, KeyValueCache cache, TokenSampler sampler) {
            this.index = index;
            this.prompt = prompt;
            this.cache = cache;
            this.sampler = sampler;
        }
    }

    /** @throws IllegalArgumentException for an empty prompt or one {@link LlamaLanguageModel#checkTokens} rejects */
    List<Generation> run(List<int[]> prompts, GenerationRequest request) {
        return run(prompts, request, (logits, index) -> { });
    }

    /**
     * {@link #run(List, GenerationRequest)}, showing {@code logitsSeen} the logits each token of prompt {@code index}
     * is drawn from, in that prompt's order (the tests compare them with a session's).
     */
    List<Generation> run(List<int[]> prompts, GenerationRequest request, ObjIntConsumer<float[]> logitsSeen) {
        int longest = 0;
        for (int[] prompt : prompts) {
            if (prompt.length == 0) {
                throw new IllegalArgumentException("the prompt must hold at least one token");
            }
            model.checkTokens(prompt, 0);
            longest = Math.max(longest, prompt.length);
        }
        int group = groupSize(longest, request.maxNewTokens());
        List<Generation> results = new ArrayList<>(prompts.size());
        for (int from = 0; from < prompts.size(); from += group) {
            List<Sequence> sequences = new ArrayList<>();
            for (int i = from; i < Math.min(prompts.size(), from + group); i++) {
                sequences.add(new Sequence(i, prompts.get(i), model.newCache(),
                        new TokenSampler(request.temperature(), request.topP(), request.seed())));
            }
            generate(sequences, request, logitsSeen);
            sequences.forEach(s -> results.add(s.result));
        }
        return results;
    }

    private int groupSize(int longestPrompt, int maxNewTokens) {
        LlamaConfig config = forward.config();
        long positions = Math.min(config.maxPositions(), 2L * ((long) longestPrompt + maxNewTokens));
        long bytesPerSequence = 2L * Float.BYTES * config.layers() * config.kvDim() * positions;
        return (int) Math.max(1, Math.min(MAX_SEQUENCES, CACHE_BUDGET_BYTES / Math.max(1, bytesPerSequence)));
    }

    private void generate(List<Sequence> sequences, GenerationRequest request, ObjIntConsumer<float[]> logitsSeen) {
        int vocab = forward.config().vocab();
        float[] logits = forward.logitsPerRow(prefill(sequences), sequences.size());
        List<Sequence> active = sequences;
        while (!active.isEmpty()) {
            List<Sequence> continuing = new ArrayList<>();
            for (int s = 0; s < active.size(); s++) {
                Sequence sequence = active.get(s);
                float[] row = Arrays.copyOfRange(logits, s * vocab, (s + 1) * vocab);
                logitsSeen.accept(row, sequence.index);
                if (step(sequence, row, request)) {
                    continuing.add(sequence);
                }
            }
            if (continuing.isEmpty()) {
                return;
            }
            KeyValueCache[] caches = new KeyValueCache[continuing.size()];
            int[][] tokens = new int[continuing.size()][];
            for (int s = 0; s < caches.length; s++) {
                caches[s] = continuing.get(s).cache;
                tokens[s] = new int[] {continuing.get(s).next};
            }
            float[] hidden = forward.runSequences(caches, tokens, SummationOrder.DOT);
            logits = forward.logitsPerRow(hidden, caches.length);
            active = continuing;
        }
    }

    /**
     * One token of {@code sequence} from its logits, under {@link LlamaLanguageModel#generate}'s rules in its order;
     * true when the token is to be appended and generation goes on, false when the sequence has its result.
     */
    private boolean step(Sequence sequence, float[] logits, GenerationRequest request) {
        int token = sequence.sampler.next(logits);
        Optional<Tokenizer> tokenizer = request.tokenizer();
        if (request.stopTokenIds().contains(token)) {
            sequence.result = LlamaLanguageModel.finish(sequence.generated, tokenizer, Generation.StopReason.STOP_TOKEN);
            return false;
        }
        sequence.generated.add(token);
        if (!request.stopStrings().isEmpty()) {
            int[] ids = LlamaLanguageModel.toArray(sequence.generated);
            String text = tokenizer.orElseThrow().decode(ids, true);
            int cut = LlamaLanguageModel.firstStop(text, request.stopStrings());
            if (cut >= 0) {
                sequence.result = new Generation(ids, text.substring(0, cut), Generation.StopReason.STOP_STRING);
                return false;
            }
        }
        if (sequence.generated.size() >= request.maxNewTokens()) {
            sequence.result = LlamaLanguageModel.finish(sequence.generated, tokenizer, Generation.StopReason.MAX_TOKENS);
            return false;
        }
        if (sequence.cache.length() + 1 >= model.maxSequenceLength()) {
            sequence.result = LlamaLanguageModel.finish(sequence.generated, tokenizer,
                    Generation.StopReason.CONTEXT_FULL);
            return false;
        }
        sequence.next = token;
        return true;
    }

    /**
     * Runs every prompt into its cache and returns the final-normed hidden state of each prompt's last token
     * ({@code sequences.size() × hidden} floats): prompts of {@link SummationOrder#PANEL} length together, after their
     * common prefix (which leaves each at least one token of its own) was computed once; the others alone, as
     * {@link LlamaSession#append} runs them.
     */
    private float[] prefill(List<Sequence> sequences) {
        int hidden = forward.config().hidden();
        float[] last = new float[sequences.size() * hidden];
        List<Integer> together = new ArrayList<>();
        for (int s = 0; s < sequences.size(); s++) {
            int[] prompt = sequences.get(s).prompt;
            if (prompt.length <= LlamaForward.MAX_BATCH && WeightMatrix.orderFor(prompt.length) == SummationOrder.PANEL) {
                together.add(s);
            } else {
                float[] row = forward.run(sequences.get(s).cache, prompt, 1);
                System.arraycopy(row, 0, last, s * hidden, hidden);
            }
        }
        if (together.isEmpty()) {
            return last;
        }
        int shared = together.size() < 2 ? 0 : sharedPrefix(sequences, together);
        if (shared > 0) {
            KeyValueCache prefix = model.newCache();
            int[] prefixTokens = Arrays.copyOf(sequences.get(together.getFirst()).prompt, shared);
            forward.runSequences(new KeyValueCache[] {prefix}, new int[][] {prefixTokens}, SummationOrder.PANEL);
            for (int s : together) {
                sequences.get(s).cache.copyPrefix(prefix, shared);
            }
        }
        // Batches of whole prompts (each at most MAX_BATCH tokens), at most MAX_BATCH rows each.
        int from = 0;
        while (from < together.size()) {
            int rows = 0;
            int to = from;
            while (to < together.size()
                    && (to == from || rows + sequences.get(together.get(to)).prompt.length - shared <= LlamaForward.MAX_BATCH)) {
                rows += sequences.get(together.get(to)).prompt.length - shared;
                to++;
            }
            KeyValueCache[] caches = new KeyValueCache[to - from];
            int[][] tokens = new int[to - from][];
            for (int i = from; i < to; i++) {
                Sequence sequence = sequences.get(together.get(i));
                caches[i - from] = sequence.cache;
                tokens[i - from] = Arrays.copyOfRange(sequence.prompt, shared, sequence.prompt.length);
            }
            float[] rowsOut = forward.runSequences(caches, tokens, SummationOrder.PANEL);
            for (int i = from; i < to; i++) {
                System.arraycopy(rowsOut, (i - from) * hidden, last, together.get(i) * hidden, hidden);
            }
            from = to;
        }
        return last;
    }

    /** The length of the prefix all the listed prompts share, less one token of the shortest. */
    private static int sharedPrefix(List<Sequence> sequences, List<Integer> listed) {
        int[] first = sequences.get(listed.getFirst()).prompt;
        int shared = first.length - 1;
        for (int s : listed) {
            int[] prompt = sequences.get(s).prompt;
            shared = Math.min(shared, prompt.length - 1);
            int i = 0;
            while (i < shared && prompt[i] == first[i]) {
                i++;
            }
            shared = i;
        }
        return shared;
    }
}
