package org.evomerge.inference;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The forward pass of a Llama-family decoder over a batch of tokens appended to a {@link KeyValueCache}: RMSNorm,
 * q/k/v projections (+ biases), rotary embedding, causal (optionally sliding-window) grouped-query attention over the
 * cache, output projection, residual, RMSNorm, SwiGLU MLP, residual; at the end the final RMSNorm. All projections of
 * a batch are matrix-matrix products, so prefill reuses each decoded weight for every token. Stateless apart from the
 * cache it is given; thread-safe.
 */
final class LlamaForward {

    /** Tokens per forward batch: larger prefills run in several, so activations stay within tens of megabytes. */
    static final int MAX_BATCH = 512;
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[0]);

    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final WorkerPool pool;

    LlamaForward(LlamaConfig config, LlamaWeights weights, WorkerPool pool) {
        this.config = config;
        this.weights = weights;
        this.pool = pool;
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

    private float[] runBatch(KeyValueCache cache, int[] tokens, int keepRows) {
        int t = tokens.length;
        int hidden = config.hidden();
        int start = cache.length();
        cache.reserve(start + t);
        float[] x = new float[t * hidden];
        for (int i = 0; i < t; i++) {
            weights.embedding().decodeRow(tokens[i], x, i * hidden);
        }
        float[] normed = new float[t * hidden];
        float[] q = new float[t * config.qDim()];
        float[] k = new float[t * config.kvDim()];
        float[] v = new float[t * config.kvDim()];
        float[] attention = new float[t * config.qDim()];
        float[] projected = new float[t * hidden];
        float[] gate = new float[t * config.intermediate()];
        float[] up = new float[t * config.intermediate()];
        float[] cos = new float[t * config.headDim() / 2];
        float[] sin = new float[t * config.headDim() / 2];
        int half = config.headDim() / 2;
        float[] c = new float[half];
        float[] s = new float[half];
        for (int i = 0; i < t; i++) {
            config.rope().angles(start + i, c, s);
            System.arraycopy(c, 0, cos, i * half, half);
            System.arraycopy(s, 0, sin, i * half, half);
        }
        for (int l = 0; l < config.layers(); l++) {
            LlamaWeights.Layer layer = weights.layers().get(l);
            rmsNorm(x, layer.attentionNorm(), normed, t);
            project(layer.q(), layer.qBias(), normed, t, q);
            project(layer.k(), layer.kBias(), normed, t, k);
            project(layer.v(), layer.vBias(), normed, t, v);
            int kvDim = config.kvDim();
            for (int i = 0; i < t; i++) {
                System.arraycopy(cos, i * half, c, 0, half);
                System.arraycopy(sin, i * half, s, 0, half);
                RotaryEmbedding.rotate(q, i * config.qDim(), config.heads(), config.headDim(), c, s);
                RotaryEmbedding.rotate(k, i * kvDim, config.kvHeads(), config.headDim(), c, s);
            }
            System.arraycopy(k, 0, cache.keys(l), start * kvDim, t * kvDim);
            System.arraycopy(v, 0, cache.values(l), start * kvDim, t * kvDim);
            attend(cache.keys(l), cache.values(l), q, start, t, attention);
            project(layer.o(), layer.oBias(), attention, t, projected);
            add(x, projected);
            rmsNorm(x, layer.mlpNorm(), normed, t);
            project(layer.gate(), layer.gateBias(), normed, t, gate);
            project(layer.up(), layer.upBias(), normed, t, up);
            int width = gate.length;
            pool.forRange(width, 16384, (from, to) -> MatrixKernels.siluTimes(gate, up, from, to));
            project(layer.down(), layer.downBias(), gate, t, projected);
            add(x, projected);
        }
        cache.advance(t);
        float[] last = new float[keepRows * hidden];
        float[] tail = new float[keepRows * hidden];
        System.arraycopy(x, (t - keepRows) * hidden, tail, 0, keepRows * hidden);
        rmsNorm(tail, weights.finalNorm(), last, keepRows);
        return last;
    }

    /** Output-head logits for {@code rows} normed hidden states: {@code rows × vocab} floats. */
    float[] logits(float[] normed, int rows) {
        float[] logits = new float[rows * config.vocab()];
        weights.outputHead().multiply(normed, rows, logits, pool);
        return logits;
    }

    private void project(WeightMatrix matrix, float[] bias, float[] input, int tokens, float[] out) {
        matrix.multiply(input, tokens, out, pool);
        if (bias != null) {
            int n = matrix.rows();
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

    /** {@code out = x / sqrt(mean(x²) + eps) · weight} per row; the mean square is summed in double. */
    private void rmsNorm(float[] x, float[] weight, float[] out, int rows) {
        int n = weight.length;
        for (int r = 0; r < rows; r++) {
            int base = r * n;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += (double) x[base + i] * x[base + i];
            }
            float scale = (float) (1.0 / Math.sqrt(sum / n + config.rmsNormEps()));
            for (int i = 0; i < n; i++) {
                out[base + i] = x[base + i] * scale * weight[i];
            }
        }
    }

    /**
     * Causal grouped-query attention of {@code tokens} queries at positions {@code start ..} over the cached keys and
     * values, parallel over (token, head) pairs. Query head {@code h} reads key/value head {@code h / (heads /
     * kvHeads)}; with a sliding window, position {@code p} sees keys {@code (p − window, p]}.
     */
    private void attend(float[] keys, float[] values, float[] q, int start, int tokens, float[] out) {
        int heads = config.heads();
        int headDim = config.headDim();
        int kvDim = config.kvDim();
        int group = heads / config.kvHeads();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int window = config.slidingWindow();
        pool.forRange(tokens * heads, 4, (from, to) -> {
            for (int pair = from; pair < to; pair++) {
                int i = pair / heads;
                int h = pair % heads;
                int position = start + i;
                int first = window > 0 ? Math.max(0, position - window + 1) : 0;
                int count = position - first + 1;
                float[] scores = SCORES.get();
                if (scores.length < count) {
                    scores = new float[Math.max(count, 2 * scores.length)];
                    SCORES.set(scores);
                }
                int qOff = i * config.qDim() + h * headDim;
                int kvOff = (h / group) * headDim;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < count; j++) {
                    float score = MatrixKernels.dot(q, qOff, keys, (first + j) * kvDim + kvOff, headDim) * scale;
                    scores[j] = score;
                    max = Math.max(max, score);
                }
                float sum = expShift(scores, count, max);
                int outOff = i * config.qDim() + h * headDim;
                Arrays.fill(out, outOff, outOff + headDim, 0f);
                float inverse = 1f / sum;
                for (int j = 0; j < count; j++) {
                    MatrixKernels.axpy(scores[j] * inverse, values, (first + j) * kvDim + kvOff, out, outOff, headDim);
                }
            }
        });
    }

    /** {@code scores[j] = e^(scores[j] − max)} for {@code j < count}; returns their sum. */
    private static float expShift(float[] scores, int count, float max) {
        var species = MatrixKernels.F;
        FloatVector total = FloatVector.zero(species);
        int j = 0;
        for (; j <= count - species.length(); j += species.length()) {
            FloatVector e = FloatVector.fromArray(species, scores, j).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(scores, j);
            total = total.add(e);
        }
        float sum = total.reduceLanes(VectorOperators.ADD);
        for (; j < count; j++) {
            scores[j] = (float) Math.exp(scores[j] - max);
            sum += scores[j];
        }
        return sum;
    }
}
