package org.evomerge.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Native buffers reused by each worker thread of a {@link TensorScheduler}: one for reading and converting chunks (the
 * {@link TensorReader}'s), one for encoding a whole output tensor, and a chunk-sized float array (a merge's full-size
 * float arrays come from its {@code FloatArrayPool}).
 * Allocating fresh native memory for every tensor means zeroing and faulting it in every time, which
 * profiling showed costs more than the merge maths. Buffers grow to the largest size asked for and are freed with
 * their thread (automatic arena).
 */
public final class ThreadBuffers {

    private static final ThreadLocal<MemorySegment[]> BUFFERS = ThreadLocal.withInitial(() -> new MemorySegment[2]);

    /** Each thread's float array for one decode chunk. */
    private static final ThreadLocal<float[]> CHUNKS = ThreadLocal.withInitial(() -> new float[0]);

    private ThreadBuffers() {
    }

    /** A buffer of at least {@code bytes} for chunked reads and conversions; the first {@code bytes} are returned. */
    public static MemorySegment get(long bytes) {
        return slot(0, bytes);
    }

    /**
     * This thread's float array of at least {@code length} elements for one decode or rounding chunk, with undefined
     * contents; valid until the thread asks again.
     */
    public static float[] chunk(int length) {
        float[] current = CHUNKS.get();
        if (current.length < length) {
            current = new float[length];
            CHUNKS.set(current);
        }
        return current;
    }

    /** Encoded outputs up to this size reuse the thread's buffer; larger ones share one buffer between threads. */
    public static final long REUSED_OUTPUT_BYTES_MAX = 64L << 20;

    /** Guards {@link #large}: one embedding-sized output is encoded and written at a time. */
    private static final java.util.concurrent.locks.ReentrantLock LARGE_LOCK = new java.util.concurrent.locks.ReentrantLock();
    private static Arena largeArena;
    private static MemorySegment large;

    /** An output buffer, to {@linkplain #close() give back} once its bytes are written. */
    public record Lease(MemorySegment segment, boolean shared) implements AutoCloseable {
        @Override
        public void close() {
            if (shared) {
                LARGE_LOCK.unlock();
            }
        }
    }

    /**
     * A buffer of exactly {@code bytes} for one encoded output tensor: this thread's reused buffer up to
     * {@link #REUSED_OUTPUT_BYTES_MAX}; above it, one buffer shared by all threads, held until the lease closes.
     * Embedding-sized buffers kept per thread stayed resident on every thread for the rest of the run, and fresh
     * ones for every such tensor cost seconds of page faults each on the benchmark machine; those tensors run last
     * and alone anyway, so sharing one costs no parallelism. {@link #clearShared()} frees it at the end of a merge.
     */
    public static Lease output(long bytes) {
        if (bytes <= REUSED_OUTPUT_BYTES_MAX) {
            return new Lease(slot(1, bytes), false);
        }
        LARGE_LOCK.lock();
        try {
            if (large == null || large.byteSize() < bytes) {
                if (largeArena != null) {
                    largeArena.close();
                }
                largeArena = Arena.ofShared();
                large = largeArena.allocate(bytes, 64);
            }
            return new Lease(large.asSlice(0, bytes), true);
        } catch (RuntimeException | Error e) {
            LARGE_LOCK.unlock();
            throw e;
        }
    }

    /** Frees the shared large output buffer (at the end of a merge: an idle process keeps none). */
    public static void clearShared() {
        LARGE_LOCK.lock();
        try {
            if (largeArena != null) {
                largeArena.close();
                largeArena = null;
                large = null;
            }
        } finally {
            LARGE_LOCK.unlock();
        }
    }

    private static MemorySegment slot(int index, long bytes) {
        MemorySegment[] buffers = BUFFERS.get();
        MemorySegment current = buffers[index];
        if (current == null || current.byteSize() < bytes) {
            current = Arena.ofAuto().allocate(Math.max(bytes, 1), 64);
            buffers[index] = current;
        }
        return current.asSlice(0, bytes);
    }
}
