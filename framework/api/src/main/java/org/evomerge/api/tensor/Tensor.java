package org.evomerge.api.tensor;

import java.lang.foreign.MemorySegment;
import org.evomerge.api.Stable;

/**
 * A tensor with its data. The data is a read-only view in {@link TensorInfo#dtype()} layout, little-endian,
 * usually memory-mapped: reading it does not copy the file onto the heap. The view is valid until the
 * {@link TensorSource} it came from is closed. {@link #read} streams the same bytes into a buffer.
 */
@Stable(since = "0.1.0")
public interface Tensor {

    TensorInfo info();

    /** The stored bytes; exactly {@code info().byteSize()} long. */
    MemorySegment data();

    /**
     * Copies {@code destination.byteSize()} stored bytes starting at byte {@code offset} into {@code destination}:
     * the streaming path for consumers that read a tensor once from start to end (merges, conversions). Sources
     * backed by files override it with positional reads, which skip the page-table work of a memory mapping and
     * read at the speed of a plain sequential read. Thread-safe.
     *
     * @throws IndexOutOfBoundsException if the range is outside the tensor
     */
    default void read(long offset, MemorySegment destination) {
        MemorySegment.copy(data(), offset, destination, 0, destination.byteSize());
    }
}
