package org.evomerge.api.model;

import java.lang.foreign.MemorySegment;
import org.evomerge.api.Experimental;
import org.evomerge.api.Stable;
import org.evomerge.api.tensor.TensorInfo;

/**
 * Streams tensors into a new model. Nothing at the destination looks like a finished model until {@link #commit()}
 * returns: writers work under a temporary name and rename at the end. Closing without committing discards the
 * partial output.
 */
@Stable(since = "0.1.0")
public interface ModelWriter extends AutoCloseable {

    /**
     * Writes one of the tensors declared in {@link WriteOptions#tensors()}, in any order; {@code data} holds exactly
     * {@code info.byteSize()} bytes in {@code info.dtype()} layout, and {@code info} must match the declaration.
     * Each tensor is written once. Safe to call from several threads for different tensors.
     */
    void write(TensorInfo info, MemorySegment data);

    /**
     * Whether {@link #writePart} is supported. Merges stream large tensors in blocks and write each block as it is
     * done when the writer can take parts; otherwise they gather the tensor first.
     */
    @Experimental(since = "0.1.0",
            reason = "writing a tensor in parts as merged blocks finish; ordering rules may be relaxed")
    default boolean writesInParts() {
        return false;
    }

    /**
     * Writes bytes {@code [offset, offset + part.byteSize())} of a declared tensor ({@code info} as for
     * {@link #write}). A tensor counts as written once all of its bytes have arrived; each byte is written once.
     * The parts of one tensor come from one thread; different tensors may be written from several threads.
     */
    @Experimental(since = "0.1.0",
            reason = "writing a tensor in parts as merged blocks finish; ordering rules may be relaxed")
    default void writePart(TensorInfo info, long offset, MemorySegment part) {
        throw new UnsupportedOperationException("this model writer does not write tensors in parts");
    }

    /**
     * Finishes the files, makes them durable, and moves them to the destination in one rename.
     *
     * @throws IllegalStateException if a declared tensor was not written
     */
    void commit();

    /** Discards everything not committed. Safe to call after {@link #commit()}. */
    @Override
    void close();
}
