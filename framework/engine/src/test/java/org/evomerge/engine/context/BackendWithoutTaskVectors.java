package org.evomerge.engine.context;

import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.compute.VectorOperations;
import org.evomerge.compute.ReferenceBackend;

/** A compute backend with codecs and vector operations but no task-vector operations (a GPU backend could be one). */
public final class BackendWithoutTaskVectors implements ComputeBackend {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    @Override
    public String id() {
        return "cpu-without-task-vectors";
    }

    @Override
    public String description() {
        return "the reference backend without task-vector operations";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public TensorCodecs codecs() {
        return REFERENCE;
    }

    @Override
    public VectorOperations vectors() {
        return REFERENCE;
    }
}
