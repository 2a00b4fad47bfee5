package org.evomerge.api.model;

import java.lang.foreign.MemorySegment;
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
     * Finishes the files, makes them durable, and moves them to the destination in one rename.
     *
     * @throws IllegalStateException if a declared tensor was not written
     */
    void commit();

    /** Discards everything not committed. Safe to call after {@link #commit()}. */
    @Override
    void close();
}
