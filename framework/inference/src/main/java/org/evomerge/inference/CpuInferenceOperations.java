package org.evomerge.inference;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import org.evomerge.api.compute.AttentionShape;
import org.evomerge.api.compute.GateActivation;
import org.evomerge.api.compute.InferenceOperations;
import org.evomerge.api.compute.WeightHandle;
import org.evomerge.api.tensor.DType;

/**
 * The CPU implementation of the inference kernels: matrix products with {@link FixedOrderKernels} (fused decode and dot
 * for one token, packed register-blocked tiles for a batch) parallel over row tiles on a {@link WorkerPool}, RMSNorm,
 * rotary embedding and attention (its dot products with the Vector API; scaled and soft-capped as the
 * {@link AttentionShape} says). Each output value is computed by one thread
 * in an order fixed by the kernels, so results have the same bits for any thread count and in any JVM. "Uploading" a
 * matrix wraps its stored bytes (usually a memory mapping) without copying: the CPU computes where the weights already
 * are. It is what the inference engine uses when the run's compute backend has no {@link InferenceOperations} of its
 * own (the CPU backends). Thread-safe.
 */
public final class CpuInferenceOperations implements InferenceOperations {

    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[0]);

    private final WorkerPool pool;

    /** @param threads worker threads for the products and attention, at least 1 */
    public CpuInferenceOperations(int threads) {
        this(new WorkerPool(threads));
    }

    CpuInferenceOperations(WorkerPool pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    WorkerPool pool() {
        return pool;
    }

    @Override
    public boolean supports(DType dtype) {
        return WeightMatrix.supports(dtype);
    }

    @Override
    public WeightHandle upload(MemorySegment data, DType dtype, int rows, int cols) {
        if (!supports(dtype)) {
            throw new IllegalArgumentException("the CPU inference kernels do not support " + dtype + " weights");
        }
        return new CpuWeights(WeightMatrix.of(data, dtype, rows, cols));
    }

    /** A handle over the stored bytes; closing it only forbids further use. */
    static final class CpuWeights implements WeightHandle {
        private final WeightMatrix matrix;
        private volatile boolean closed;

        CpuWeights(WeightMatrix matrix) {
            this.matrix = matrix;
        }

        WeightMatrix matrix() {
            if (closed) {
                throw new IllegalStateException("weight handle is closed");
            }
            return matrix;
        }

        @Override
        public int rows() {
            return matrix.rows();
        }

        @Override
        public int cols() {
            return matrix.cols();
        }

        @Override
        public DType dtype() {
            return matrix.dtype();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Override
    public void multiply(WeightHandle weights, float[] x, int tokens, float[] out) {
        if (!(weights instanceof CpuWeights cpu)) {
            throw new IllegalArgumentException("weight handle " + weights + " was not uploaded by the CPU kernels");
        }
        cpu.matrix().multiply(x, tokens, out, pool);
    }

    /** {@link #multiply} in the given summation order, whatever the token count. */
    void multiply(WeightHandle weights, float[] x, int tokens, float[] out, SummationOrder order) {
        if (!(weights instanceof CpuWeights cpu)) {
            throw new IllegalArgumentException("weight handle " + weights + " was not uploaded by the CPU kernels");
        }
        cpu.matrix().multiply(x, tokens, out, pool, order);
    }

    @Override
    public void rmsNorm(float[] x, float[] weight, double eps, int rows, float[] out) {
        RmsNormalization.normalize(x, weight, weight.length, rows, eps, out, null);
    }

    @Override
    public void rope(float[] x, int offset, int heads, int headDim, float[] cos, float[] sin) {
        RotaryEmbedding.rotate(x, offset, heads, headDim, cos, sin);
    }

    /** On the worker threads, vectorised with {@link Exponential} ({@link FixedOrderKernels#siluTimes}). */
    @Override
    public void gatedActivation(GateActivation activation, float[] gate, float[] up, int n) {
        switch (activation) {
            case SILU -> pool.forRange(n, 16384, (from, to) -> FixedOrderKernels.siluTimes(gate, up, from, to));
            case GELU_TANH -> pool.forRange(n, 16384,
                    (from, to) -> FixedOrderKernels.geluTanhTimes(gate, up, from, to));
        }
    }

    /** Parallel over (token, head) pairs, each computed by one thread; scores and softmax in float. */
    @Override
    public void attention(AttentionShape shape, float[] keys, float[] values, float[] q, int start, int tokens,
                          float[] out) {
        int heads = shape.heads();
        pool.forRange(tokens * heads, 4, (from, to) -> {
            for (int pair = from; pair < to; pair++) {
                int i = pair / heads;
                attend(shape, keys, values, q, i, start + i, pair % heads, out);
            }
        });
    }

    /**
     * {@link #attention} for the rows of several sequences in one parallel pass, each row over its own sequence's
     * cache: row {@code i} belongs to sequence {@code sequence[i]} (whose cache is {@code keys[s]}, {@code values[s]})
     * and sits at {@code position[i]}. Every (row, head) is computed exactly as {@link #attention} computes it.
     */
    void attention(AttentionShape shape, float[][] keys, float[][] values, int[] sequence, int[] position, float[] q,
                   int rows, float[] out) {
        int heads = shape.heads();
        pool.forRange(rows * heads, 4, (from, to) -> {
            for (int pair = from; pair < to; pair++) {
                int i = pair / heads;
                int s = sequence[i];
                attend(shape, keys[s], values[s], q, i, position[i], pair % heads, out);
            }
        });
    }

    /** Head {@code h} of query row {@code i} (at {@code position}) over the cached positions it may see. */
    private static void attend(AttentionShape shape, float[] keys, float[] values, float[] q, int i, int position,
                               int h, float[] out) {
        int headDim = shape.headDim();
        int kvDim = shape.kvHeads() * headDim;
        int qDim = shape.heads() * headDim;
        int group = shape.heads() / shape.kvHeads();
        float scale = shape.scale();
        float softCap = shape.softCap();
        int window = shape.slidingWindow();
        int first = window > 0 ? Math.max(0, position - window + 1) : 0;
        int count = position - first + 1;
        float[] scores = SCORES.get();
        if (scores.length < count) {
            scores = new float[Math.max(count, 2 * scores.length)];
            SCORES.set(scores);
        }
        int qOff = i * qDim + h * headDim;
        int kvOff = (h / group) * headDim;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < count; j++) {
            float score = FixedOrderKernels.dot(q, qOff, keys, (first + j) * kvDim + kvOff, headDim) * scale;
            if (softCap > 0) {
                score = softCap(score, softCap);
            }
            scores[j] = score;
            max = Math.max(max, score);
        }
        float sum = expShift(scores, count, max);
        int outOff = i * qDim + h * headDim;
        Arrays.fill(out, outOff, outOff + headDim, 0f);
        float inverse = 1f / sum;
        for (int j = 0; j < count; j++) {
            FixedOrderKernels.axpy(scores[j] * inverse, values, (first + j) * kvDim + kvOff, out, outOff, headDim);
        }
    }

    /**
     * {@code cap · tanh(x / cap)}, Gemma's soft capping of attention scores and logits. {@link StrictMath#tanh} has the
     * same bits in the interpreter and in compiled code, as the rest of these kernels do.
     */
    static float softCap(float x, float cap) {
        return (float) (cap * StrictMath.tanh(x / (double) cap));
    }

    /**
     * {@code scores[j] = e^(scores[j] − max)} for {@code j < count} with {@link Exponential}; returns their sum in
     * the order of {@link FixedOrderKernels#sum}.
     */
    private static float expShift(float[] scores, int count, float max) {
        var species = FixedOrderKernels.F;
        int j = 0;
        for (; j <= count - species.length(); j += species.length()) {
            Exponential.exp(FloatVector.fromArray(species, scores, j).sub(max)).intoArray(scores, j);
        }
        for (; j < count; j++) {
            scores[j] = Exponential.exp(scores[j] - max);
        }
        return FixedOrderKernels.sum(scores, 0, count);
    }

    /** Nothing to release: the handles point into the models' own mappings. */
    @Override
    public void close() {
    }
}
