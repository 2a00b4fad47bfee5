package org.evomerge.engine.merge;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Native buffers reused by each merge worker thread: one for reading and converting chunks, one for encoding a whole
 * output tensor. Allocating fresh native memory for every tensor means zeroing and faulting it in every time, which
 * profiling showed costs more than the merge maths. Buffers grow to the largest size asked for and are freed with
 * their thread (automatic arena).
 */
final class ThreadBuffers {

    private static final ThreadLocal<MemorySegment[]> BUFFERS = ThreadLocal.withInitial(() -> new MemorySegment[2]);

    /** Float arrays larger than this are not kept: an embedding-sized array would sit in the heap for the whole run. */
    static final int POOLED_FLOATS_MAX = 16 << 20;

    /** Arrays kept per thread; a merge of up to this many inputs reuses all of them for same-shaped tensors. */
    private static final int POOL_SIZE = 8;

    private static final ThreadLocal<java.util.ArrayDeque<float[]>> FLOATS =
            ThreadLocal.withInitial(java.util.ArrayDeque::new);

    private ThreadBuffers() {
    }

    /** A buffer of at least {@code bytes} for chunked reads and conversions; the first {@code bytes} are returned. */
    static MemorySegment get(long bytes) {
        return slot(0, bytes);
    }

    /** A buffer of at least {@code bytes} for one encoded output tensor. */
    static MemorySegment output(long bytes) {
        return slot(1, bytes);
    }

    /**
     * A float array of exactly {@code length} elements with undefined contents, reused from this thread's earlier
     * tensors when one of that length was {@linkplain #release released}: same-shaped tensors (every layer's
     * projections) then cost no allocation, zeroing or page faults.
     */
    static float[] floats(int length) {
        java.util.ArrayDeque<float[]> pool = FLOATS.get();
        for (java.util.Iterator<float[]> it = pool.iterator(); it.hasNext(); ) {
            float[] candidate = it.next();
            if (candidate.length == length) {
                it.remove();
                return candidate;
            }
        }
        return new float[length];
    }

    /** Hands an array from {@link #floats} back for reuse by this thread; the caller no longer reads or writes it. */
    static void release(float[] array) {
        if (array.length == 0 || array.length > POOLED_FLOATS_MAX) {
            return;
        }
        java.util.ArrayDeque<float[]> pool = FLOATS.get();
        pool.addFirst(array);
        while (pool.size() > POOL_SIZE) {
            pool.removeLast();
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
