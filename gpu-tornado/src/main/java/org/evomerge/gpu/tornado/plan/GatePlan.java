package org.evomerge.gpu.tornado.plan;

import org.evomerge.api.compute.GateActivation;
import org.evomerge.gpu.tornado.kernels.ForwardKernels;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The gated MLP's element-wise step on the device ({@link ForwardKernels#gatedActivation}) for up to
 * {@code capacity} elements; the element count and the activation travel with each execution.
 */
public final class GatePlan extends DevicePlan {

    private final FloatArray gate;
    private final FloatArray up;
    private final IntArray args = new IntArray(2);

    /** Builds the task graph for {@code capacity} elements. */
    public GatePlan(int capacity) {
        this.gate = new FloatArray(capacity);
        this.up = new FloatArray(capacity);
        build(new TaskGraph("gate")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, args, gate, up)
                .task("gate", ForwardKernels::gatedActivation, gate, up, args, capacity)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, gate)
                .snapshot());
    }

    /** {@code gates[i] = activation(gates[i]) · ups[i]} for {@code i < n}. */
    public void run(GateActivation activation, float[] gates, float[] ups, int n) {
        args.set(0, n);
        args.set(1, activation == GateActivation.SILU ? ForwardKernels.SILU : ForwardKernels.GELU_TANH);
        copyIn(gates, gate, 0, n);
        copyIn(ups, up, 0, n);
        execute();
        copyOut(gate, gates, n);
    }
}
