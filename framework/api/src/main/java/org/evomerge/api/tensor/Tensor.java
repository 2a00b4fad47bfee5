package org.evomerge.api.tensor;

import java.lang.foreign.MemorySegment;
import org.evomerge.api.Stable;

/**
 * A tensor with its data. The data is a read-only view in {@link TensorInfo#dtype()} layout, little-endian,
 * usually memory-mapped: reading it does not copy the file onto the heap. The view is valid until the
 * {@link TensorSource} it came from is closed.
 */
@Stable(since = "0.1.0")
public interface Tensor {

    TensorInfo info();

    /** The stored bytes; exactly {@code info().byteSize()} long. */
    MemorySegment data();
}
