package org.evomerge.compute;

/**
 * Runs each Vector API kernel on small inputs until the JIT has compiled it, once per process, before its first real
 * call. Until C2 compiles a kernel, its vector operations run a generic fallback hundreds of times slower that
 * allocates for every operation; a merge met its first tensors that way, and a JFR profile of a TIES merge still
 * showed a sixth of the samples in the fallback when the warm-up was a fixed number of calls (compilation is
 * asynchronous and did not always finish in time) and other threads went ahead while one warmed. So a warm-up here
 * lasts until a call runs at compiled speed, and other threads wait for it.
 */
final class KernelWarmup {

    /** Compiled kernels take well under this per element, the fallback far more. */
    private static final double COMPILED_NANOS_PER_ELEMENT = 20;
    /** Calls before timing counts: the profile the JIT compiles from. */
    private static final int MINIMUM_CALLS = 200;
    /** Calls timed together: a batch at compiled speed shows the compiled code is in place. */
    private static final int BATCH = 50;
    /** Bounds for a machine where the kernel never gets fast (no vector unit): give up, the kernel still works. */
    private static final int MAXIMUM_CALLS = 50_000;
    private static final long MAXIMUM_NANOS = 2_000_000_000L;

    private final boolean[] warm;

    KernelWarmup(int kernels) {
        this.warm = new boolean[kernels];
    }

    /** Whether kernel {@code kernel} needs no warm-up now: it is warm, or this thread is warming (the calls it makes). */
    boolean ready(int kernel) {
        return warm[kernel] || Thread.holdsLock(this);
    }

    /**
     * Warms kernel {@code kernel} with {@code call} (which processes {@code elements} elements) unless it is warm;
     * returns at once inside a warm-up (the calls the warm-up makes).
     */
    void ensure(int kernel, int elements, Runnable call) {
        if (ready(kernel)) {
            return;
        }
        synchronized (this) {
            if (warm[kernel]) {
                return;
            }
            long begin = System.nanoTime();
            double batchNanos = BATCH * elements * COMPILED_NANOS_PER_ELEMENT;
            for (int c = 0; c < MAXIMUM_CALLS; c += BATCH) {
                long start = System.nanoTime();
                for (int i = 0; i < BATCH; i++) {
                    call.run();
                }
                long end = System.nanoTime();
                // A batch, not single calls: on a busy machine a preempted call is slow whatever the code.
                if ((c >= MINIMUM_CALLS && end - start < batchNanos) || end - begin > MAXIMUM_NANOS) {
                    break;
                }
            }
            warm[kernel] = true;
        }
    }

    /**
     * Inputs {@code a} and {@code b} (sines and cosines: finite, mixed signs) and outputs {@code out} for warm-up calls,
     * in two sizes to use alternately: index 0 has {@code elements}, index 1 eight fewer, a tail like a tensor's last
     * block. A kernel compiled after seeing both has every branch; one first met on real data deoptimises it back to
     * the slow code.
     */
    record Operands(float[][] a, float[][] b, float[][] out) {

        static Operands of(int elements) {
            float[][] a = new float[2][];
            float[][] b = new float[2][];
            float[][] out = new float[2][];
            for (int s = 0; s < 2; s++) {
                int n = elements - 8 * s;
                a[s] = new float[n];
                b[s] = new float[n];
                out[s] = new float[n];
                for (int i = 0; i < n; i++) {
                    a[s][i] = (float) Math.sin(i);
                    b[s][i] = (float) Math.cos(i);
                }
            }
            return new Operands(a, b, out);
        }
    }
}
