package org.evomerge.inference;

import java.util.Arrays;

import org.evomerge.api.compute.AttentionShape;
import org.evomerge.api.compute.GateActivation;
import org.evomerge.api.compute.InferenceOperations;
import org.evomerge.api.compute.WeightHandle;

/**
 * The forward pass of a Llama-family decoder over a batch of tokens appended to a {@link KeyValueCache}: RMSNorm,
 * q/k/v projections (+ biases), rotary embedding, causal (optionally sliding-window) grouped-query attention over the
 * cache, output projection, residual, RMSNorm, gated MLP (or Mixtral's mixture of gated experts), residual; at the
 * end the final RMSNorm. What later architectures add, as {@link LlamaConfig} states it: the embedding scale, per-head q/k RMSNorm before the rotary
 * embedding, partial rotary embedding, per-layer windows and rotary embeddings, the attention's scale and soft cap,
 * RMSNorm of the attention and MLP outputs before their residual adds, the GeLU-tanh activation and the final logits'
 * soft cap. All projections of a batch are matrix-matrix products, so prefill reuses each decoded weight for every
 * token. Stateless apart from the cache it is given; thread-safe.
 */
final class LlamaForward {

    /** Tokens per forward batch: larger prefills run in several, so activations stay within tens of megabytes. */
    static final int MAX_BATCH = 512;
    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final InferenceOperations operations;
    private final WorkerPool pool;
    /** Per layer: its window, scale and soft cap. */
    private final AttentionShape[] attentionShapes;

    /**
     * @param operations where the products, norms, rotary embedding and attention run (the run's backend, or the
     *                   CPU kernels); {@code weights} were uploaded to it
     * @param pool       threads for the host-side element-wise steps (the final logits' soft cap)
     */
    LlamaForward(LlamaConfig config, LlamaWeights weights, InferenceOperations operations, WorkerPool pool) {
        this.config = config;
        this.weights = weights;
        this.operations = operations;
        this.pool = pool;
        this.attentionShapes = new AttentionShape[config.layers()];
        for (int l = 0; l < config.layers(); l++) {
            attentionShapes[l] = new AttentionShape(config.heads(), config.kvHeads(), config.headDim(),
                    config.slidingWindow(l), config.attentionScale(), config.attentionSoftCap());
        }
    }

    LlamaWeights weights() {
        return weights;
    }

    LlamaConfig config() {
        return config;
    }

    /**
     * Runs {@code tokens} (already validated) at the cache's next positions, appends their keys and values, and
     * returns the final-normed hidden states of the last {@code keepRows} tokens ({@code keepRows × hidden} floats).
     */
    float[] run(KeyValueCache cache, int[] tokens, int keepRows) {
        if (tokens.length <= MAX_BATCH) {
            return runBatch(cache, tokens, keepRows);
        }
        // Long sequences in batches: activations stay bounded, and the cache carries attention across batches.
        int hidden = config.hidden();
        float[] kept = new float[keepRows * hidden];
        int firstKept = tokens.length - keepRows;
        for (int from = 0; from < tokens.length; from += MAX_BATCH) {
            int to = Math.min(tokens.length, from + MAX_BATCH);
            int keep = Math.max(0, to - Math.max(from, firstKept));
            float[] rows = runBatch(cache, Arrays.copyOfRange(tokens, from, to), Math.max(keep, 1));
            if (keep > 0) {
                System.arraycopy(rows, 0, kept, (to - keep - firstKept) * hidden, keep * hidden);
            }
        }
        return kept;
    }

    /**
     * Runs {@code tokens} (already validated) into the empty {@code cache} and returns the input of every layer:
     * {@code [layers][tokens.length × hidden]}, the embeddings first (transformers' {@code hidden_states[:-1]}).
     */
    float[][] layerInputs(KeyValueCache cache, int[] tokens) {
        int hidden = config.hidden();
        float[][] inputs = new float[config.layers()][tokens.length * hidden];
        for (int from = 0; from < tokens.length; from += MAX_BATCH) {
            int to = Math.min(tokens.length, from + MAX_BATCH);
            runBatch(cache, Arrays.copyOfRange(tokens, from, to), 1, inputs, from * hidden);
        }
        return inputs;
    }

    private float[] runBatch(KeyValueCache cache, int[] tokens, int keepRows) {
        return runBatch(cache, tokens, keepRows, null, 0);
    }

    /** Also copies each layer's input rows to {@code layerInputs[l]} at {@code offset} when it is not null. */
    private float[] runBatch(KeyValueCache cache, int[] tokens, int keepRows, float[][] layerInputs, int offset) {
        int t = tokens.length;
        int hidden = config.hidden();
        int start = cache.length();
        cache.reserve(start + t);
        float[] x = new float[t * hidden];
        for (int i = 0; i < t; i++) {
            embed(tokens[i], x, i);
        }
        float[] normed = new float[t * hidden];
        float[] q = new float[t * config.qDim()];
        float[] k = new float[t * config.kvDim()];
        float[] v = new float[t * config.kvDim()];
        float[] attention = new float[t * config.qDim()];
        float[] projected = new float[t * hidden];
        float[] gate = new float[t * config.intermediate()];
        float[] up = new float[t * config.intermediate()];
        int[] positions = new int[t];
        for (int i = 0; i < t; i++) {
            positions[i] = start + i;
        }
        Angles global = new Angles(config.rope(), positions);
        Angles local = config.localRope() == config.rope() ? global : new Angles(config.localRope(), positions);
        for (int l = 0; l < config.layers(); l++) {
            LlamaWeights.Layer layer = weights.layers().get(l);
            if (layerInputs != null) {
                System.arraycopy(x, 0, layerInputs[l], offset, t * hidden);
            }
            rmsNorm(x, layer.attentionNorm(), normed, t);
            project(layer.q(), normed, t, q);
            project(layer.k(), normed, t, k);
            project(layer.v(), normed, t, v);
            int kvDim = config.kvDim();
            prepareQueriesAndKeys(layer, q, k, t, config.slidingLayers().get(l) ? local : global);
            System.arraycopy(k, 0, cache.keys(l), start * kvDim, t * kvDim);
            System.arraycopy(v, 0, cache.values(l), start * kvDim, t * kvDim);
            operations.attention(attentionShapes[l], cache.keys(l), cache.values(l), q, start, t, attention);
            project(layer.o(), attention, t, projected);
            addResidual(x, projected, layer.postAttentionNorm(), normed, t);
            rmsNorm(x, layer.mlpNorm(), normed, t);
            mlp(layer, normed, t, gate, up, projected, null);
            addResidual(x, projected, layer.postMlpNorm(), normed, t);
        }
        cache.advance(t);
        float[] last = new float[keepRows * hidden];
        float[] tail = new float[keepRows * hidden];
        System.arraycopy(x, (t - keepRows) * hidden, tail, 0, keepRows * hidden);
        rmsNorm(tail, weights.finalNorm(), last, keepRows);
        return last;
    }

    /** The cosines and sines of one rotary embedding at each row's position: {@code rows × pairs} floats each. */
    private record Angles(int pairs, float[] cos, float[] sin) {

        Angles(RotaryEmbedding rope, int[] positions) {
            this(rope.pairs(), new float[positions.length * rope.pairs()], new float[positions.length * rope.pairs()]);
            for (int i = 0; i < positions.length; i++) {
                rope.angles(positions[i], cos, sin, i * pairs);
            }
        }
    }

    /** Row {@code token}'s embedding into row {@code row} of {@code x}, times the configuration's scale. */
    private void embed(int token, float[] x, int row) {
        int hidden = config.hidden();
        weights.embedding().decodeRow(token, x, row * hidden);
        float scale = config.embeddingScale();
        if (scale != 1f) {
            for (int i = row * hidden; i < (row + 1) * hidden; i++) {
                x[i] *= scale;
            }
        }
    }

    /**
     * The per-head query and key norms (when the layer has them) and the rotary embedding of {@code rows} rows of
     * queries and keys, in place.
     */
    private void prepareQueriesAndKeys(LlamaWeights.Layer layer, float[] q, float[] k, int rows, Angles angles) {
        if (layer.queryNorm() != null) {
            float[] normedQ = new float[q.length];
            float[] normedK = new float[k.length];
            operations.rmsNorm(q, layer.queryNorm(), config.rmsNormEps(), rows * config.heads(), normedQ);
            operations.rmsNorm(k, layer.keyNorm(), config.rmsNormEps(), rows * config.kvHeads(), normedK);
            System.arraycopy(normedQ, 0, q, 0, q.length);
            System.arraycopy(normedK, 0, k, 0, k.length);
        }
        int pairs = angles.pairs();
        if (2 * pairs == config.headDim()) {
            operations.rope(q, 0, rows, config.qDim(), config.heads(), config.headDim(), angles.cos(), angles.sin());
            operations.rope(k, 0, rows, config.kvDim(), config.kvHeads(), config.headDim(), angles.cos(),
                    angles.sin());
            return;
        }
        float[] c = new float[pairs];
        float[] s = new float[pairs];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(angles.cos(), i * pairs, c, 0, pairs);
            System.arraycopy(angles.sin(), i * pairs, s, 0, pairs);
            rotate(q, i * config.qDim(), config.heads(), c, s);
            rotate(k, i * config.kvDim(), config.kvHeads(), c, s);
        }
    }

    /**
     * The rotary embedding of {@code heads} heads at {@code x[offset ..)}; with a partial rotary embedding only the
     * leading {@code 2 · pairs} floats of each head turn (gathered, rotated as heads of that width, put back).
     */
    private void rotate(float[] x, int offset, int heads, float[] cos, float[] sin) {
        int headDim = config.headDim();
        int rotated = 2 * cos.length;
        if (rotated == headDim) {
            operations.rope(x, offset, heads, headDim, cos, sin);
            return;
        }
        float[] part = new float[heads * rotated];
        for (int h = 0; h < heads; h++) {
            System.arraycopy(x, offset + h * headDim, part, h * rotated, rotated);
        }
        operations.rope(part, 0, heads, rotated, cos, sin);
        for (int h = 0; h < heads; h++) {
            System.arraycopy(part, h * rotated, x, offset + h * headDim, rotated);
        }
    }

    /** {@code x += delta}, or {@code x += rmsNorm(delta)} when the block normalises its output ({@code norm}). */
    private void addResidual(float[] x, float[] delta, float[] norm, float[] scratch, int rows) {
        if (norm == null) {
            add(x, delta);
            return;
        }
        rmsNorm(delta, norm, scratch, rows);
        for (int i = 0; i < rows * config.hidden(); i++) {
            x[i] += scratch[i];
        }
    }

    /** {@code gate = activation(gate) · up}, element-wise where the operations run it. */
    private void activate(float[] gate, float[] up) {
        operations.gatedActivation(config.activation() == LlamaConfig.Activation.SILU ? GateActivation.SILU
                : GateActivation.GELU_TANH, gate, up, gate.length);
    }

    /** Whether {@link #runSequences} can run here: it needs the CPU kernels' explicit summation orders. */
    boolean runsSequences() {
        return operations instanceof CpuInferenceOperations;
    }

    /**
     * One forward pass over the rows of several sequences: sequence {@code s} appends {@code tokens[s]} (already
     * validated, at most {@link #MAX_BATCH} in all) at {@code caches[s]}'s next positions. Every product runs in
     * {@code order}, every other step row by row, so each row has the bits it has when its sequence runs alone with
     * that order (see {@link SummationOrder}). Returns the final-normed hidden state of each sequence's last row
     * ({@code caches.length × hidden} floats). CPU kernels only ({@link #runsSequences}).
     */
    float[] runSequences(KeyValueCache[] caches, int[][] tokens, SummationOrder order) {
        CpuInferenceOperations cpu = (CpuInferenceOperations) operations;
        int sequences = caches.length;
        int hidden = config.hidden();
        int qDim = config.qDim();
        int kvDim = config.kvDim();
        int t = 0;
        for (int[] row : tokens) {
            t += row.length;
        }
        int[] sequence = new int[t];
        int[] position = new int[t];
        int[] last = new int[sequences];
        for (int s = 0, i = 0; s < sequences; s++) {
            int start = caches[s].length();
            caches[s].reserve(start + tokens[s].length);
            for (int j = 0; j < tokens[s].length; j++, i++) {
                sequence[i] = s;
                position[i] = start + j;
            }
            last[s] = i - 1;
        }
        float[] x = new float[t * hidden];
        for (int s = 0, i = 0; s < sequences; s++) {
            for (int token : tokens[s]) {
                embed(token, x, i++);
            }
        }
        float[] normed = new float[t * hidden];
        float[] q = new float[t * qDim];
        float[] k = new float[t * kvDim];
        float[] v = new float[t * kvDim];
        float[] attention = new float[t * qDim];
        float[] projected = new float[t * hidden];
        float[] gate = new float[t * config.intermediate()];
        float[] up = new float[t * config.intermediate()];
        Angles global = new Angles(config.rope(), position);
        Angles local = config.localRope() == config.rope() ? global : new Angles(config.localRope(), position);
        float[][] keys = new float[sequences][];
        float[][] values = new float[sequences][];
        for (int l = 0; l < config.layers(); l++) {
            LlamaWeights.Layer layer = weights.layers().get(l);
            rmsNorm(x, layer.attentionNorm(), normed, t);
            project(cpu, layer.q(), normed, t, q, order);
            project(cpu, layer.k(), normed, t, k, order);
            project(cpu, layer.v(), normed, t, v, order);
            prepareQueriesAndKeys(layer, q, k, t, config.slidingLayers().get(l) ? local : global);
            for (int s = 0; s < sequences; s++) {
                keys[s] = caches[s].keys(l);
                values[s] = caches[s].values(l);
            }
            for (int i = 0; i < t; i++) {
                System.arraycopy(k, i * kvDim, keys[sequence[i]], position[i] * kvDim, kvDim);
                System.arraycopy(v, i * kvDim, values[sequence[i]], position[i] * kvDim, kvDim);
            }
            cpu.attention(attentionShapes[l], keys, values, sequence, position, q, t, attention);
            project(cpu, layer.o(), attention, t, projected, order);
            addResidual(x, projected, layer.postAttentionNorm(), normed, t);
            rmsNorm(x, layer.mlpNorm(), normed, t);
            mlp(layer, normed, t, gate, up, projected, order);
            addResidual(x, projected, layer.postMlpNorm(), normed, t);
        }
        for (int s = 0; s < sequences; s++) {
            caches[s].advance(tokens[s].length);
        }
        float[] tails = new float[sequences * hidden];
        for (int s = 0; s < sequences; s++) {
            System.arraycopy(x, last[s] * hidden, tails, s * hidden, hidden);
        }
        float[] result = new float[sequences * hidden];
        rmsNorm(tails, weights.finalNorm(), result, sequences);
        return result;
    }

    /**
     * Output-head logits for {@code rows} normed hidden states, each row as {@link #logits} computes one row alone
     * (the order of a one-token product). CPU kernels only.
     */
    float[] logitsPerRow(float[] normed, int rows) {
        float[] logits = new float[rows * config.vocab()];
        ((CpuInferenceOperations) operations).multiply(weights.outputHead(), normed, rows, logits,
                WeightMatrix.orderFor(1));
        capLogits(logits);
        return logits;
    }

    /**
     * The MLP of {@code layer} over {@code t} normed rows into {@code out} ({@code t × hidden}): SwiGLU through
     * {@code gate} and {@code up} ({@code t × intermediate} scratch), or the layer's mixture of experts. Products run
     * in {@code order}, or when it is null in the order the operations choose for a {@code t}-row product.
     */
    private void mlp(LlamaWeights.Layer layer, float[] normed, int t, float[] gate, float[] up, float[] out,
                     SummationOrder order) {
        if (layer.experts() != null) {
            mixtureOfExperts(layer.experts(), normed, t, out, order);
            return;
        }
        multiply(layer.gate().weight(), normed, t, gate, order, t);
        addBias(layer.gate(), t, gate);
        multiply(layer.up().weight(), normed, t, up, order, t);
        addBias(layer.up(), t, up);
        activate(gate, up);
        multiply(layer.down().weight(), gate, t, out, order, t);
        addBias(layer.down(), t, out);
    }

    /**
     * transformers' {@code MixtralSparseMoeBlock}: the router's logits per row, each row routed to its top experts
     * ({@link ExpertRouting#route}), each expert run on the rows routed to it, and a row's output the routing-weighted
     * sum of its experts' outputs, added in increasing expert index (the order of transformers' {@code index_add_}).
     * An expert's rows are gathered into one product; on the CPU kernels it runs in the order of the whole
     * {@code t}-row batch (or {@code order}), so a row's bits do not depend on which other rows chose the expert.
     */
    private void mixtureOfExperts(LlamaWeights.Experts moe, float[] normed, int t, float[] out, SummationOrder order) {
        ExpertRouting routing = moe.routing();
        int hidden = config.hidden();
        int width = config.intermediate();
        int experts = routing.experts();
        int perToken = routing.perToken();
        float[] logits = new float[t * experts];
        multiply(moe.router(), normed, t, logits, order, t);
        int[] chosen = new int[t * perToken];
        float[] weights = new float[t * perToken];
        for (int i = 0; i < t; i++) {
            routing.route(logits, i * experts, chosen, weights, i * perToken);
        }
        Arrays.fill(out, 0, t * hidden, 0f);
        int[] rows = new int[t];
        float[] rowWeights = new float[t];
        for (int e = 0; e < experts; e++) {
            int count = 0;
            for (int i = 0; i < t * perToken; i++) {
                if (chosen[i] == e) {
                    rows[count] = i / perToken;
                    rowWeights[count++] = weights[i];
                }
            }
            if (count == 0) {
                continue;
            }
            LlamaWeights.Expert expert = moe.experts().get(e);
            float[] input = new float[count * hidden];
            for (int r = 0; r < count; r++) {
                System.arraycopy(normed, rows[r] * hidden, input, r * hidden, hidden);
            }
            float[] gate = new float[count * width];
            float[] up = new float[count * width];
            float[] down = new float[count * hidden];
            multiply(expert.gate(), input, count, gate, order, t);
            multiply(expert.up(), input, count, up, order, t);
            activate(gate, up);
            multiply(expert.down(), gate, count, down, order, t);
            for (int r = 0; r < count; r++) {
                int row = rows[r] * hidden;
                float weight = rowWeights[r];
                for (int c = 0; c < hidden; c++) {
                    out[row + c] += weight * down[r * hidden + c];
                }
            }
        }
    }

    /**
     * {@code rows} input rows times {@code weights}: in {@code order} if given, else on the CPU kernels in the order
     * of a {@code batchTokens}-token product, else as the run's operations choose.
     */
    private void multiply(WeightHandle weights, float[] x, int rows, float[] out,
                          SummationOrder order, int batchTokens) {
        if (operations instanceof CpuInferenceOperations cpu) {
            cpu.multiply(weights, x, rows, out, order != null ? order : WeightMatrix.orderFor(batchTokens));
        } else {
            operations.multiply(weights, x, rows, out);
        }
    }

    private static void project(CpuInferenceOperations cpu, LlamaWeights.Projection projection, float[] input,
                                int tokens, float[] out, SummationOrder order) {
        cpu.multiply(projection.weight(), input, tokens, out, order);
        addBias(projection, tokens, out);
    }

    /** Output-head logits for {@code rows} normed hidden states: {@code rows × vocab} floats. */
    float[] logits(float[] normed, int rows) {
        float[] logits = new float[rows * config.vocab()];
        operations.multiply(weights.outputHead(), normed, rows, logits);
        capLogits(logits);
        return logits;
    }

    /** Gemma 2's {@code final_logit_softcapping}: {@code cap · tanh(z / cap)}, when the configuration has one. */
    private void capLogits(float[] logits) {
        float cap = config.finalSoftCap();
        if (cap > 0) {
            pool.forRange(logits.length, 4096, (from, to) -> {
                for (int i = from; i < to; i++) {
                    logits[i] = CpuInferenceOperations.softCap(logits[i], cap);
                }
            });
        }
    }

    private void project(LlamaWeights.Projection projection, float[] input, int tokens, float[] out) {
        operations.multiply(projection.weight(), input, tokens, out);
        addBias(projection, tokens, out);
    }

    private static void addBias(LlamaWeights.Projection projection, int tokens, float[] out) {
        float[] bias = projection.bias();
        if (bias != null) {
            int n = projection.weight().rows();
            for (int i = 0; i < tokens; i++) {
                for (int j = 0; j < n; j++) {
                    out[i * n + j] += bias[j];
                }
            }
        }
    }

    private static void add(float[] x, float[] delta) {
        for (int i = 0; i < x.length; i++) {
            x[i] += delta[i];
        }
    }

    /** {@code out = x / sqrt(mean(x²) + eps) · weight} per row (see {@link InferenceOperations#rmsNorm}). */
    private void rmsNorm(float[] x, float[] weight, float[] out, int rows) {
        operations.rmsNorm(x, weight, config.rmsNormEps(), rows, out);
    }
}
