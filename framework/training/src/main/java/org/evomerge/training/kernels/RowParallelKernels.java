package org.evomerge.training.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The three matrix products of a linear layer's forward and backward pass, on row-major float32 arrays, with the
 * Vector API and split over rows across a fixed number of threads (which attention's per-head loops use too).
 *
 * <p>Every output element is computed by one thread in a fixed order, whatever the thread count, so results are
 * bit-identical for 1 or N threads. Small products run on the calling thread: forking costs more than it saves.
 * Instances are safe for use by one training run at a time; close them to stop the threads.
 *
 * <p>Not the inference engine's fixed-order kernels: those decode stored weights (bf16, Q8_0) inside their dot
 * products and never need the two gradient products here, and their summation order (32 partials, whatever the
 * vector width) is not this one (lanes of the preferred width), which every trained model's bits, the demo's among
 * them, depend on.
 */
public final class RowParallelKernels implements AutoCloseable {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Below this many multiply-adds a product runs on the calling thread. */
    private static final long PARALLEL_THRESHOLD = 1L << 16;

    private final int threads;
    private final ForkJoinPool pool;

    /** @param threads worker threads, at least 1; 1 runs everything on the caller */
    public RowParallelKernels(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads > 1 ? new ForkJoinPool(threads) : null;
    }

    public int threads() {
        return threads;
    }

    /** {@code y[n][out] (+)= x[n][in] · w[out][in]ᵀ}: the forward product of a linear layer. */
    public void multiplyTransposed(float[] x, float[] w, float[] y, int n, int in, int out, boolean accumulate) {
        parallelRows(n, (long) n * in * out, (from, to) -> {
            for (int t = from; t < to; t++) {
                int xo = t * in;
                int yo = t * out;
                int o = 0;
                for (; o + 4 <= out; o += 4) {
                    dot4(x, xo, w, o * in, in, y, yo + o, accumulate);
                }
                for (; o < out; o++) {
                    float d = dot(x, xo, w, o * in, in);
                    y[yo + o] = accumulate ? y[yo + o] + d : d;
                }
            }
        });
    }

    /** {@code dx[n][in] += dy[n][out] · w[out][in]}: the input gradient of a linear layer. */
    public void multiplyAccumulate(float[] dy, float[] w, float[] dx, int n, int in, int out) {
        parallelRows(n, (long) n * in * out, (from, to) -> {
            for (int t = from; t < to; t++) {
                int go = t * out;
                int xo = t * in;
                for (int o = 0; o < out; o++) {
                    float g = dy[go + o];
                    if (g != 0f) {
                        axpy(g, w, o * in, dx, xo, in);
                    }
                }
            }
        });
    }

    /** {@code dw[out][in] += dy[n][out]ᵀ · x[n][in]}: the weight gradient of a linear layer. */
    public void accumulateOuter(float[] dy, float[] x, float[] dw, int n, int in, int out) {
        parallelRows(out, (long) n * in * out, (from, to) -> {
            for (int o = from; o < to; o++) {
                int wo = o * in;
                for (int t = 0; t < n; t++) {
                    float g = dy[t * out + o];
                    if (g != 0f) {
                        axpy(g, x, t * in, dw, wo, in);
                    }
                }
            }
        });
    }

    /** A body over a half-open range of rows. */
    @FunctionalInterface
    public interface RowRange {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over {@code [0, rows)} split into contiguous ranges, one per thread when {@code work} (in
     * multiply-adds) pays for the fork. Each row must be independent of the others.
     */
    public void parallelRows(int rows, long work, RowRange body) {
        if (pool == null || rows < 2 || work < PARALLEL_THRESHOLD) {
            body.run(0, rows);
            return;
        }
        int parts = Math.min(threads, rows);
        List<ForkJoinTask<?>> tasks = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            int from = (int) ((long) rows * p / parts);
            int to = (int) ((long) rows * (p + 1) / parts);
            tasks.add(pool.submit(() -> body.run(from, to)));
        }
        for (ForkJoinTask<?> task : tasks) {
            task.join();
        }
    }

    /** The dot product of {@code a[ao, ao+len)} and {@code b[bo, bo+len)}. */
    public static float dot(float[] a, int ao, float[] b, int bo, int len) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        int bound = SPECIES.loopBound(len);
        for (; i < bound; i += SPECIES.length()) {
            acc = FloatVector.fromArray(SPECIES, a, ao + i).fma(FloatVector.fromArray(SPECIES, b, bo + i), acc);
        }
        float sum = sumLanes(acc);
        for (; i < len; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /** {@code y[yo, yo+len) += a * x[xo, xo+len)}. */
    public static void axpy(float a, float[] x, int xo, float[] y, int yo, int len) {
        FloatVector va = FloatVector.broadcast(SPECIES, a);
        int i = 0;
        int bound = SPECIES.loopBound(len);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, x, xo + i).fma(va, FloatVector.fromArray(SPECIES, y, yo + i))
                    .intoArray(y, yo + i);
        }
        for (; i < len; i++) {
            y[yo + i] += a * x[xo + i];
        }
    }

    /**
     * The lanes' sum, added in lane order. Not {@code reduceLanes(ADD)}: its order is unspecified and differs between
     * the interpreter and the JIT-compiled intrinsic, so results would depend on when code gets compiled, which
     * depends on timing and thread count.
     */
    private static float sumLanes(FloatVector v) {
        float sum = 0f;
        for (int lane = 0; lane < SPECIES.length(); lane++) {
            sum += v.lane(lane);
        }
        return sum;
    }

    /** Four dot products of one x row with four consecutive w rows: x is loaded once for all four. */
    private static void dot4(float[] x, int xo, float[] w, int wo, int len, float[] y, int yo, boolean accumulate) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        int bound = SPECIES.loopBound(len);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector xv = FloatVector.fromArray(SPECIES, x, xo + i);
            a0 = xv.fma(FloatVector.fromArray(SPECIES, w, wo + i), a0);
            a1 = xv.fma(FloatVector.fromArray(SPECIES, w, wo + len + i), a1);
            a2 = xv.fma(FloatVector.fromArray(SPECIES, w, wo + 2 * len + i), a2);
            a3 = xv.fma(FloatVector.fromArray(SPECIES, w, wo + 3 * len + i), a3);
        }
        float s0 = sumLanes(a0);
        float s1 = sumLanes(a1);
        float s2 = sumLanes(a2);
        float s3 = sumLanes(a3);
        for (; i < len; i++) {
            float xi = x[xo + i];
            s0 += xi * w[wo + i];
            s1 += xi * w[wo + len + i];
            s2 += xi * w[wo + 2 * len + i];
            s3 += xi * w[wo + 3 * len + i];
        }
        if (accumulate) {
            y[yo] += s0;
            y[yo + 1] += s1;
            y[yo + 2] += s2;
            y[yo + 3] += s3;
        } else {
            y[yo] = s0;
            y[yo + 1] = s1;
            y[yo + 2] = s2;
            y[yo + 3] = s3;
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
