package org.evomerge.gpu.tornado;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.testkit.ComputeBackendContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The test kit's compute backend contract on a real TornadoVM device, every array sent to the device whatever its
 * size: each capability against {@code cpu-reference}. Skipped when no TornadoVM runtime is present.
 */
class TornadoBackendContractDeviceIT extends ComputeBackendContract {

    private static TornadoBackend backend;

    @BeforeAll
    static void start() {
        System.setProperty(TornadoBackend.MIN_DEVICE_ELEMENTS_PROPERTY, "1");
        backend = new TornadoBackend();
        assumeTrue(backend.isAvailable(), () -> "no TornadoVM runtime: " + backend.description());
    }

    @AfterAll
    static void stop() {
        if (backend != null) {
            backend.close();
        }
    }

    @Override
    protected ComputeBackend backend() {
        return backend;
    }

    /** Device reductions add per work-group chunk, then the chunks: another order than the reference's. */
    @Override
    protected double reductionTolerance() {
        return 1e-9;
    }
}
