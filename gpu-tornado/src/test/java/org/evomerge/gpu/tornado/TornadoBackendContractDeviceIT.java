package org.evomerge.gpu.tornado;

import java.util.Map;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.testkit.ComputeBackendContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The test kit's compute backend contract on a real TornadoVM device, every array sent to the device whatever its
 * size: each capability against {@code cpu-reference}. Skipped when no TornadoVM runtime is present.
 */
class TornadoBackendContractDeviceIT extends ComputeBackendContract {

    @RegisterExtension
    static final TornadoDevice DEVICE = new TornadoDevice(Map.of(TornadoBackend.MIN_DEVICE_ELEMENTS_PROPERTY, "1"));

    @Override
    protected ComputeBackend backend() {
        return DEVICE.backend();
    }

    /** Device reductions add per work-group chunk, then the chunks: another order than the reference's. */
    @Override
    protected double reductionTolerance() {
        return 1e-9;
    }
}
