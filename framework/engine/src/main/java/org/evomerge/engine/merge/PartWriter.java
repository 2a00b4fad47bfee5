package org.evomerge.engine.merge;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.tensor.TensorInfo;

/**
 * Writes the parts of streamed tensors ({@link ModelWriter#writePart}) on one background thread, from a few reused
 * buffers. Two merge threads writing into one shard contended for the file's lock: a profile of a SLERP merge had a
 * sixth of its samples spinning in the kernel's {@code rwsem_spin_on_owner} while the other thread copied into the page
 * cache. One writer never contends, and its copying overlaps the merge maths. A full set of buffers in flight makes
 * the merge threads wait, so memory stays bounded. The first failure of a write is rethrown to the next caller and by
 * {@link #close()}.
 */
final class PartWriter implements AutoCloseable {

    /** Bytes per buffer at most: many blocks per write call. */
    static final long BUFFER_BYTES = 4L << 20;
    private static final int BUFFERS = 6;

    private record Part(TensorInfo info, long offset, MemorySegment buffer, long length) {
    }

    private static final Part END = new Part(null, 0, null, 0);

    private final ModelWriter writer;
    private final long bufferBytes;
    /**
     * Buffers from an automatic arena, like the threads' read buffers: the encode kernel then sees one kind of memory
     * segment, where a second kind (a shared arena) made the JIT throw its compiled code away once.
     */
    private final Arena arena = Arena.ofAuto();
    private int allocated;
    private final BlockingQueue<MemorySegment> free = new ArrayBlockingQueue<>(BUFFERS);
    private final BlockingQueue<Part> parts = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final Thread thread;
    private volatile RuntimeException failure;
    private boolean closed;

    /**
     * @param bufferBytes the size of each buffer (at least the largest part; the largest tensor is enough): buffers
     *                    are allocated when first needed, so merging small models (the evolution merges candidates in
     *                    memory) does not zero megabytes per merge
     */
    PartWriter(ModelWriter writer, long bufferBytes) {
        this.writer = writer;
        this.bufferBytes = Math.max(64, bufferBytes);
        this.thread = Thread.ofPlatform().daemon().name("evomerge-writer").start(this::drain);
    }

    /** A free buffer to encode parts into; waits while every buffer is being written. */
    MemorySegment buffer() {
        checkFailure();
        MemorySegment ready = free.poll();
        if (ready != null) {
            return ready;
        }
        synchronized (this) {
            if (allocated < BUFFERS) {
                allocated++;
                return arena.allocate(bufferBytes, 64);
            }
        }
        try {
            MemorySegment buffer = free.take();
            checkFailure();
            return buffer;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("merge interrupted", e);
        }
    }

    /** Queues bytes {@code [0, length)} of {@code buffer} (from {@link #buffer()}) as bytes at {@code offset} of a tensor. */
    void submit(TensorInfo info, long offset, MemorySegment buffer, long length) {
        checkFailure();
        try {
            parts.put(new Part(info, offset, buffer, length));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("merge interrupted", e);
        }
    }

    /** Waits until every queued part is written; rethrows the first write failure. The buffers go with this object. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            parts.put(END);
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.interrupt();
            throw new IllegalStateException("merge interrupted", e);
        }
        checkFailure();
    }

    private void drain() {
        while (true) {
            Part part;
            try {
                part = parts.take();
            } catch (InterruptedException e) {
                return;
            }
            if (part == END) {
                return;
            }
            if (failure == null) {
                try {
                    writer.writePart(part.info(), part.offset(), part.buffer().asSlice(0, part.length()));
                } catch (RuntimeException e) {
                    failure = e;
                } catch (Error e) {
                    failure = new IllegalStateException("writing tensor '" + part.info().name() + "' failed: " + e, e);
                }
            }
            free.add(part.buffer());
        }
    }

    private void checkFailure() {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
    }
}
