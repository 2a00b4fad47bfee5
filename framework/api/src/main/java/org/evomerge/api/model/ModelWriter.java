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
     * Appends one tensor; {@code data} holds exactly {@code info.byteSize()} bytes in {@code info.dtype()} layout.
     * Tensors are written in call order. Not thread-safe.
     */
    void write(TensorInfo info, MemorySegment data);

    /** Finishes the files and moves them to the destination. */
    void commit();

    /** Discards everything not committed. Safe to call after {@link #commit()}. */
    @Override
    void close();
}
