package org.evomerge.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.evomerge.api.inference.Generation;
import org.evomerge.api.inference.GenerationRequest;
import org.evomerge.api.inference.HiddenStates;
import org.evomerge.api.inference.InferenceSession;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.inference.Tokenizer;

/** A loaded Llama-family model. One thread at a time (the kernels parallelise internally); sessions likewise. */
final class LlamaLanguageModel implements LanguageModel {

    /** Rows of the output head computed at once when scoring: bounds the logits buffer for long sequences. */
    private static final int LOGIT_ROWS = 32;

    private final LlamaForward forward;
    private volatile boolean closed;

    LlamaLanguageModel(LlamaForward forward) {
        this.forward = forward;
    }

    @Override
    public int vocabularySize() {
        return forward.config().vocab();
    }

    @Override
    public int maxSequenceLength() {
        return forward.config().maxPositions();
    }

    @Override
    public double[] tokenLogProbabilities(int[] tokens) {
        checkOpen();
        if (tokens.length == 0) {
            throw new IllegalArgumentException("tokens must not be empty");
        }
        checkTokens(tokens, 0);
        int count = tokens.length - 1;
        double[] result = new double[count];
        if (count == 0) {
            return result;
        }
        KeyValueCache cache = newCache();
        int[] inputs = Arrays.copyOf(tokens, count);
        float[] hidden = forward.run(cache, inputs, count);
        int width = forward.config().hidden();
        int vocab = forward.config().vocab();
        for (int from = 0; from < count; from += LOGIT_ROWS) {
            int rows = Math.min(LOGIT_ROWS, count - from);
            float[] slice = Arrays.copyOfRange(hidden, from * width, (from + rows) * width);
            float[] logits = forward.logits(slice, rows);
            for (int r = 0; r < rows; r++) {
                result[from + r] = logSoftmaxAt(logits, r * vocab, vocab, tokens[from + r + 1]);
            }
        }
        return result;
    }

    /** {@code ln softmax(logits[offset ..+n))[target]}, in double, shifted by the maximum so nothing overflows. */
    static double logSoftmaxAt(float[] logits, int offset, int n, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        return logits[offset + target] - max - Math.log(sum);
    }

    @Override
    public Generation generate(int[] prompt, GenerationRequest request) {
        checkOpen();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token");
        }
        TokenSampler sampler = new TokenSampler(request.temperature(), request.topP(), request.seed());
        Optional<Tokenizer> tokenizer = request.tokenizer();
        List<Integer> generated = new ArrayList<>();
        try (LlamaSession session = new LlamaSession(this)) {
            float[] logits = session.append(prompt);
            while (true) {
                int token = sampler.next(logits);
                if (request.stopTokenIds().contains(token)) {
                    return finish(generated, tokenizer, Generation.StopReason.STOP_TOKEN);
                }
                generated.add(token);
                if (!request.stopStrings().isEmpty()) {
                    String text = tokenizer.orElseThrow().decode(toArray(generated), true);
                    int cut = firstStop(text, request.stopStrings());
                    if (cut >= 0) {
                        return new Generation(toArray(generated), text.substring(0, cut),
                                Generation.StopReason.STOP_STRING);
                    }
                }
                if (generated.size() >= request.maxNewTokens()) {
                    return finish(generated, tokenizer, Generation.StopReason.MAX_TOKENS);
                }
                // Prompt plus generated tokens never exceed the context (Hugging Face's max_length semantics).
                if (session.length() + 1 >= maxSequenceLength()) {
                    return finish(generated, tokenizer, Generation.StopReason.CONTEXT_FULL);
                }
                logits = session.append(token);
            }
        }
    }

    static int firstStop(String text, List<String> stops) {
        int cut = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        return cut;
    }

    static Generation finish(List<Integer> tokens, Optional<Tokenizer> tokenizer, Generation.StopReason reason) {
        int[] ids = toArray(tokens);
        String text = tokenizer.map(t -> t.decode(ids, true)).orElse("");
        return new Generation(ids, text, reason);
    }

    static int[] toArray(List<Integer> tokens) {
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The prompts together ({@link BatchedGeneration}) on the CPU kernels, each continuation what {@link #generate}
     * gives for it alone; one after another on a backend's kernels, whose summation orders this model cannot choose.
     */
    @Override
    public List<Generation> generateAll(List<int[]> prompts, GenerationRequest request) {
        checkOpen();
        if (!forward.runsSequences()) {
            return LanguageModel.super.generateAll(prompts, request);
        }
        return new BatchedGeneration(this).run(prompts, request);
    }

    @Override
    public InferenceSession newSession() {
        checkOpen();
        return new LlamaSession(this);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            forward.weights().close();
        }
    }

    /** The inputs of every layer, through the same forward pass as {@link #tokenLogProbabilities}. */
    @Override
    public Optional<HiddenStates> hiddenStates() {
        return Optional.of(tokens -> {
            checkOpen();
            if (tokens.length == 0) {
                throw new IllegalArgumentException("tokens must not be empty");
            }
            checkTokens(tokens, 0);
            return forward.layerInputs(newCache(), tokens);
        });
    }

    LlamaForward forward() {
        return forward;
    }

    KeyValueCache newCache() {
        LlamaConfig config = forward.config();
        return new KeyValueCache(config.layers(), config.kvDim(), config.maxPositions());
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the language model is closed");
        }
    }

    /** @throws IllegalArgumentException for ids outside the vocabulary or a sequence longer than the context */
    void checkTokens(int[] tokens, int already) {
        if ((long) already + tokens.length > maxSequenceLength()) {
            throw new IllegalArgumentException((already + tokens.length) + " tokens exceed the model's context of "
                    + maxSequenceLength());
        }
        int vocab = vocabularySize();
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new IllegalArgumentException("token " + tokens[i] + " at index " + i
                        + " is outside the vocabulary of " + vocab);
            }
        }
    }
}
