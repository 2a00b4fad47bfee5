package org.evomerge.gpu.tornado.plan;

import org.evomerge.gpu.tornado.kernels.ForwardKernels;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * RMSNorm of up to {@code capacity} rows of {@code width} floats on the device ({@link ForwardKernels#rmsNormRows});
 * the norm's weight, epsilon and row count travel with each execution, so one plan serves every norm of that width.
 */
public final class RmsNormPlan extends DevicePlan {

    /** The sizes a plan is built for. */
    public record Key(int width, int capacity) {
    }

    private final int width;
    private final int capacity;
    private final FloatArray x;
    private final FloatArray weight;
    private final FloatArray out;
    private final IntArray count = new IntArray(1);
    private final DoubleArray eps = new DoubleArray(1);

    /** Builds the task graph for {@code key}. */
    public RmsNormPlan(Key key) {
        this.width = key.width();
        this.capacity = key.capacity();
        this.x = new FloatArray(capacity * width);
        this.weight = new FloatArray(width);
        this.out = new FloatArray(capacity * width);
        build(new TaskGraph("rmsNorm")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, count, eps, weight, x)
                .task("rmsNorm", ForwardKernels::rmsNormRows, x, weight, out, count, eps, width, capacity)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out)
                .snapshot());
    }

    /** {@code output} = RMSNorm of the first {@code rows} (at most the capacity) rows of {@code input}. */
    public void run(float[] input, float[] normWeight, double epsilon, int rows, float[] output) {
        count.set(0, rows);
        eps.set(0, epsilon);
        copyIn(normWeight, weight, 0, width);
        copyIn(input, x, 0, rows * width);
        execute();
        copyOut(out, output, rows * width);
    }
}
