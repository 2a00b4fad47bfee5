package org.evomerge.api.compute;

import java.util.Optional;
import org.evomerge.api.Experimental;
import org.evomerge.api.Stable;

/**
 * A kind of hardware the numeric work of merges and inference runs on (scalar CPU reference, CPU with the Vector API,
 * GPU through TornadoVM): its identity, and its operations grouped by capability, each an interface of its own. Every
 * backend decodes and encodes tensors ({@link #codecs()}) and has the vector operations ({@link #vectors()}); the
 * task-vector and inference operations are optional, and a backend that lacks one returns empty. The engine checks
 * before a run starts that the backend has what the run's extensions declare they need, so a missing capability is a
 * configuration error naming the backend, never a failure halfway through a merge.
 *
 * <p>Backends are found with {@link java.util.ServiceLoader} on the application class path, not through plugins,
 * because GPU runtimes load kernel classes through the system class loader. Every backend must agree with the
 * reference backend ({@code cpu-reference}) within the tolerance its tests declare (the test kit's
 * {@code ComputeBackendContract}); results never depend on the number of threads. Implementations are thread-safe,
 * and each capability method returns the same instance on every call.
 */
@Stable(since = "0.1.0")
public interface ComputeBackend {

    /** Stable id used by {@code --backend} ({@code cpu-reference}, {@code cpu-vector}, {@code tornado}). */
    String id();

    /** One line for {@code --version}. */
    String description();

    /** Higher wins when the backend is chosen automatically. */
    int priority();

    /** Whether this backend can run here (e.g. a GPU runtime is present). Cheap and never throws. */
    boolean isAvailable();

    /** Decoding stored elements to float32 and back. */
    TensorCodecs codecs();

    /** Weighted sums, dot products, norms and linear combinations. */
    VectorOperations vectors();

    /** The operations of the task-vector merge methods, or empty when this backend does not offer them. */
    @Experimental(since = "0.1.0",
            reason = "task-vector kernels (rank, mask, combine); signatures may change as GPU kernels land")
    default Optional<TaskVectorOperations> taskVectors() {
        return Optional.empty();
    }

    /**
     * The inference kernels of this backend, with weights resident where the backend computes, or empty when the
     * inference engine should use its own CPU kernels (the CPU backends: their weights are the memory-mapped files).
     * The backend owns and closes them.
     */
    @Experimental(since = "0.1.0",
            reason = "device-side inference kernels; the set grows as more architectures run on accelerators")
    default Optional<InferenceOperations> inference() {
        return Optional.empty();
    }
}
