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
