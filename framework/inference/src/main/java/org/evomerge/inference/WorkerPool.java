package org.evomerge.inference;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The threads the kernels split their work over: a fork/join pool of daemon workers, so an engine nobody closes
 * never keeps the JVM alive. Work is split into contiguous index ranges, each run on one thread, so per-range
 * scratch buffers can be reused without synchronisation. Thread-safe.
 */
public final class WorkerPool {

    private final int threads;
    private final ForkJoinPool pool;

    /** @param threads at least 1; 1 runs everything on the calling thread */
    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    public int threads() {
        return threads;
    }

    /** A task over the half-open index range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    /**
     * Runs {@code task} over {@code [0, count)} split into ranges of about {@code grain} indices (at least one range
     * per thread when there is enough work), and returns when all are done. Exceptions propagate to the caller.
     */
    public void forRange(int count, int grain, RangeTask task) {
        if (count <= 0) {
            return;
        }
        int chunk = Math.max(1, Math.min(grain, ceilDiv(count, threads)));
        if (pool == null || chunk >= count) {
            task.run(0, count);
            return;
        }
        int chunks = ceilDiv(count, chunk);
        RecursiveAction root = new Split(task, 0, chunks, chunk, count);
        if (ForkJoinTask.inForkJoinPool() && ForkJoinTask.getPool() == pool) {
            root.invoke();
        } else {
            pool.invoke(root);
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Halves the chunk range until one chunk is left, so idle workers steal the other halves. */
    private static final class Split extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        private final transient RangeTask task;
        private final int firstChunk;
        private final int endChunk;
        private final int chunk;
        private final int count;

        Split(RangeTask task, int firstChunk, int endChunk, int chunk, int count) {
            this.task = task;
            this.firstChunk = firstChunk;
            this.endChunk = endChunk;
            this.chunk = chunk;
            this.count = count;
        }

        @Override
        protected void compute() {
            if (endChunk - firstChunk == 1) {
                int from = firstChunk * chunk;
                task.run(from, Math.min(count, from + chunk));
                return;
            }
            int middle = (firstChunk + endChunk) >>> 1;
            invokeAll(new Split(task, firstChunk, middle, chunk, count), new Split(task, middle, endChunk, chunk, count));
        }
    }
}
