package org.evomerge.api.compute;

import org.evomerge.api.Experimental;
import org.evomerge.api.tensor.DType;

/**
 * A weight matrix made resident where an {@link InferenceOperations} computes (device memory on a GPU, the
 * memory-mapped bytes themselves on a CPU). Created by {@link InferenceOperations#upload}, used for every later
 * product, and released by {@link #close()} (idempotent) or when the operations are closed. Thread-safe to use;
 * closing while a product runs is the caller's error.
 */
@Experimental(since = "0.1.0",
        reason = "device-side inference kernels; the set grows as more architectures run on accelerators")
public interface WeightHandle extends AutoCloseable {

    /** Output features: rows of the stored matrix. */
    int rows();

    /** Input features: columns of the stored matrix. */
    int cols();

    /** The dtype the weights were stored in. */
    DType dtype();

    /** Releases the resident copy; later products with this handle fail. */
    @Override
    void close();
}
