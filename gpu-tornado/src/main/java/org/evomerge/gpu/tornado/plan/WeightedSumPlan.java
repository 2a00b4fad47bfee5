package org.evomerge.gpu.tornado.plan;

import org.evomerge.gpu.tornado.kernels.MergeKernels;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** {@link MergeKernels#weightedSum} for {@code models} tensors of {@code n} elements. */
public final class WeightedSumPlan extends DevicePlan {

    /** The sizes a plan is built for. */
    public record Key(int models, int n) {
    }

    private final int models;
    private final int n;
    private final FloatArray inputs;
    private final FloatArray weights;
    private final FloatArray out;

    /** Builds the task graph for {@code key}'s sizes. */
    public WeightedSumPlan(Key key) {
        this.models = key.models();
        this.n = key.n();
        this.inputs = new FloatArray(models * n);
        this.weights = new FloatArray(models);
        this.out = new FloatArray(n);
        build(new TaskGraph("weightedSum")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, inputs, weights)
                .task("sum", MergeKernels::weightedSum, inputs, weights, out, models, n)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out)
                .snapshot());
    }

    /** {@code result[i] = Σ_m w[m]·values[m][i]}. */
    public void run(float[][] values, float[] w, float[] result) {
        for (int m = 0; m < models; m++) {
            copyIn(values[m], inputs, (long) m * n, n);
            weights.set(m, w[m]);
        }
        execute();
        copyOut(out, result, n);
    }
}
