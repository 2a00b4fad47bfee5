package org.evomerge.compute;

import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.compute.VectorOperations;

/**
 * A backend that implements its codecs and vector operations itself, so both capabilities are the backend. Backends
 * that delegate a capability (a GPU backend decoding on the CPU) implement {@link ComputeBackend} directly.
 */
public interface SelfContainedBackend extends ComputeBackend, TensorCodecs, VectorOperations {

    @Override
    default TensorCodecs codecs() {
        return this;
    }

    @Override
    default VectorOperations vectors() {
        return this;
    }
}
