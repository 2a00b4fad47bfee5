package org.evomerge.training.layers;

import org.evomerge.training.kernels.RowParallelKernels;

/**
 * Causal scaled dot-product attention with grouped-query heads over packed sequences: rows
 * {@code [start[s], start[s] + length[s])} form sequence {@code s}, and a row attends to the rows of its own sequence
 * up to itself. Query head {@code h} reads key/value head {@code h / (heads / kvHeads)}, as Hugging Face's
 * {@code repeat_kv}. The attention probabilities are kept for the backward pass.
 *
 * <p>Work is split over (sequence, key/value head) pairs, so the gradients of a shared key/value head are summed
 * by one thread in a fixed order: the result does not depend on the thread count.
 */
public final class CausalAttention {

    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scale;

    public CausalAttention(int heads, int kvHeads, int headDim) {
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads cannot share " + kvHeads + " key/value heads");
        }
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    /** Floats of probabilities the batch needs: {@code heads · Σ length²}. */
    public long probabilitySize(int[] lengths) {
        long size = 0;
        for (int length : lengths) {
            size += (long) length * length;
        }
        return size * heads;
    }

    /** Writes {@code out[N][heads·headDim]} and the probabilities {@code probs} (layout per sequence, head, row). */
    public void forward(float[] q, float[] k, float[] v, float[] out, float[] probs, int[] starts, int[] lengths,
            RowParallelKernels kernels) {
        int kvWidth = kvHeads * headDim;
        forEachQueryRow(starts, lengths, work(lengths), 0, kernels, (start, i, len, kvh, qo, po, scratch) -> {
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                float score = RowParallelKernels.dot(q, qo, k, (start + j) * kvWidth + kvh * headDim, headDim) * scale;
                probs[po + j] = score;
                max = Math.max(max, score);
            }
            float sum = 0;
            for (int j = 0; j <= i; j++) {
                float e = (float) Math.exp(probs[po + j] - max);
                probs[po + j] = e;
                sum += e;
            }
            float inv = 1f / sum;
            java.util.Arrays.fill(out, qo, qo + headDim, 0f);
            for (int j = 0; j <= i; j++) {
                probs[po + j] *= inv;
                RowParallelKernels.axpy(probs[po + j], v, (start + j) * kvWidth + kvh * headDim, out, qo, headDim);
            }
            for (int j = i + 1; j < len; j++) {
                probs[po + j] = 0f;
            }
        });
    }

    /**
     * Adds the gradients of q, k and v for the output gradient {@code dOut}: {@code dv_j += Σ_i P_ij dout_i},
     * {@code dS_ij = P_ij (dout_i·v_j - Σ_k P_ik dout_i·v_k)}, {@code dq_i += scale Σ_j dS_ij k_j},
     * {@code dk_j += scale Σ_i dS_ij q_i}.
     */
    public void backward(float[] q, float[] k, float[] v, float[] probs, float[] dOut, float[] dq, float[] dk,
            float[] dv, int[] starts, int[] lengths, RowParallelKernels kernels) {
        int kvWidth = kvHeads * headDim;
        int maxLength = 0;
        for (int length : lengths) {
            maxLength = Math.max(maxLength, length);
        }
        forEachQueryRow(starts, lengths, 2 * work(lengths), maxLength, kernels,
                (start, i, len, kvh, qo, po, dScore) -> {
            float weighted = 0;
            for (int j = 0; j <= i; j++) {
                int vo = (start + j) * kvWidth + kvh * headDim;
                float dp = RowParallelKernels.dot(dOut, qo, v, vo, headDim);
                dScore[j] = dp;
                weighted += probs[po + j] * dp;
                RowParallelKernels.axpy(probs[po + j], dOut, qo, dv, vo, headDim);
            }
            for (int j = 0; j <= i; j++) {
                float ds = probs[po + j] * (dScore[j] - weighted) * scale;
                int ko = (start + j) * kvWidth + kvh * headDim;
                RowParallelKernels.axpy(ds, k, ko, dq, qo, headDim);
                RowParallelKernels.axpy(ds, q, qo, dk, ko, headDim);
            }
        });
    }

    /** The work on one query row of one head, in {@link #forEachQueryRow}. */
    private interface QueryRowStep {
        /**
         * @param start   the sequence's first row
         * @param i       the row within the sequence; it attends to rows {@code 0 ..= i}
         * @param len     the sequence's length
         * @param kvh     the key/value head the query head reads
         * @param qo      the offset of the row's query head in q (and in out, dq and dOut)
         * @param po      the offset of the row's probabilities, {@code len} floats
         * @param scratch this thread's buffer, reused from row to row
         */
        void apply(int start, int i, int len, int kvh, int qo, int po, float[] scratch);
    }

    /**
     * Runs {@code step} on every query row of every head, split over (sequence, key/value head) jobs: the query heads
     * sharing a key/value head run on one thread, in head and row order, so what they add to that head's gradients
     * is summed in a fixed order.
     */
    private void forEachQueryRow(int[] starts, int[] lengths, long work, int scratchLength, RowParallelKernels kernels,
            QueryRowStep step) {
        int qWidth = heads * headDim;
        int group = heads / kvHeads;
        long[] probOffsets = probOffsets(lengths);
        kernels.parallelRows(starts.length * kvHeads, work, (from, to) -> {
            float[] scratch = new float[scratchLength];
            for (int job = from; job < to; job++) {
                int s = job / kvHeads;
                int kvh = job % kvHeads;
                int start = starts[s];
                int len = lengths[s];
                for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                    int p0 = (int) (probOffsets[s] + (long) h * len * len);
                    for (int i = 0; i < len; i++) {
                        step.apply(start, i, len, kvh, (start + i) * qWidth + h * headDim, p0 + i * len, scratch);
                    }
                }
            }
        });
    }

    private long[] probOffsets(int[] lengths) {
        long[] offsets = new long[lengths.length];
        long offset = 0;
        for (int s = 0; s < lengths.length; s++) {
            offsets[s] = offset;
            offset += (long) heads * lengths[s] * lengths[s];
        }
        return offsets;
    }

    private long work(int[] lengths) {
        long work = 0;
        for (int length : lengths) {
            work += (long) length * length;
        }
        return work * heads * headDim;
    }
}
