package org.evomerge.gpu.tornado.plan;

import org.evomerge.gpu.tornado.kernels.MergeKernels;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * {@link MergeKernels#axpy} for {@code n} elements. The factor {@code a} changes from call to call, so it travels
 * as a one-element array (scalar task arguments are fixed when the graph is built).
 */
public final class AxpyPlan extends DevicePlan {

    private final int n;
    private final FloatArray factor;
    private final FloatArray x;
    private final FloatArray y;

    /** Builds the task graph for {@code n} elements. */
    public AxpyPlan(int n) {
        this.n = n;
        this.factor = new FloatArray(1);
        this.x = new FloatArray(n);
        this.y = new FloatArray(n);
        build(new TaskGraph("axpy")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, factor, x, y)
                .task("axpy", AxpyPlan::axpy, factor, x, y, n)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, y)
                .snapshot());
    }

    /** The kernel with its factor read from device memory; the element maths is {@link MergeKernels#axpy}'s. */
    static void axpy(FloatArray factor, FloatArray x, FloatArray y, int n) {
        MergeKernels.axpy(factor.get(0), x, y, n);
    }

    /** {@code target[i] += a·source[i]}. */
    public void run(float a, float[] source, float[] target) {
        factor.set(0, a);
        copyIn(source, x, 0, n);
        copyIn(target, y, 0, n);
        execute();
        copyOut(y, target, n);
    }
}
