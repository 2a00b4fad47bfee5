package org.evomerge.gpu.tornado.plan;

import org.evomerge.gpu.tornado.kernels.MergeKernels;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Two-input element-wise operations for {@code n} elements: the task vector ({@link MergeKernels#taskVector}) or
 * SLERP's combination ({@link MergeKernels#linearCombination}, coefficients in device memory).
 */
public final class ElementwisePlan extends DevicePlan {

    /** Which operation. */
    public enum Kind { TASK_VECTOR, LINEAR_COMBINATION }

    /** The size and operation a plan is built for. */
    public record Key(Kind kind, int n) {
    }

    private final int n;
    private final FloatArray a;
    private final FloatArray b;
    private final DoubleArray coefficients = new DoubleArray(2);
    private final FloatArray out;

    /** Builds the task graph for {@code key}. */
    public ElementwisePlan(Key key) {
        this.n = key.n();
        this.a = new FloatArray(n);
        this.b = new FloatArray(n);
        this.out = new FloatArray(n);
        TaskGraph graph = new TaskGraph(key.kind() == Kind.TASK_VECTOR ? "taskVector" : "linearCombination");
        if (key.kind() == Kind.TASK_VECTOR) {
            graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b)
                    .task("op", MergeKernels::taskVector, a, b, out, n);
        } else {
            graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b, coefficients)
                    .task("op", MergeKernels::linearCombination, a, b, coefficients, out, n);
        }
        build(graph.transferToHost(DataTransferMode.EVERY_EXECUTION, out).snapshot());
    }

    /** {@code result = x − base}, or {@code ca·x + cb·base} for the combination. */
    public void run(float[] x, double ca, float[] y, double cb, float[] result) {
        copyIn(x, a, 0, n);
        copyIn(y, b, 0, n);
        coefficients.set(0, ca);
        coefficients.set(1, cb);
        execute();
        copyOut(out, result, n);
    }
}
