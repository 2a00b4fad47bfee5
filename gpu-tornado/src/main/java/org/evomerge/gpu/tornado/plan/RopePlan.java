package org.evomerge.gpu.tornado.plan;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.evomerge.gpu.tornado.kernels.ForwardKernels;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The rotary embedding of up to {@code capacity} rows on the device ({@link ForwardKernels#ropeRows}): each row is
 * {@code rowStride} floats holding {@code heads} heads of {@code headDim} from its start, turned by that row's
 * cosines and sines; the row count travels with each execution.
 */
public final class RopePlan extends DevicePlan {

    /** The sizes a plan is built for. */
    public record Key(int rowStride, int heads, int headDim, int capacity) {
    }

    private final Key key;
    private final FloatArray x;
    private final FloatArray cos;
    private final FloatArray sin;
    private final IntArray count = new IntArray(1);

    /** Builds the task graph for {@code key}. */
    public RopePlan(Key key) {
        this.key = key;
        this.x = new FloatArray(key.capacity() * key.rowStride());
        this.cos = new FloatArray(key.capacity() * key.headDim() / 2);
        this.sin = new FloatArray(key.capacity() * key.headDim() / 2);
        build(new TaskGraph("rope")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, count, cos, sin, x)
                .task("rope", ForwardKernels::ropeRows, x, cos, sin, count, key.rowStride(), key.heads(),
                        key.headDim(), key.capacity())
                .transferToHost(DataTransferMode.EVERY_EXECUTION, x)
                .snapshot());
    }

    /**
     * Rotates, in place, the first {@code rows} rows of {@code values} from element {@code offset}; row {@code t}
     * uses {@code cosines[t·headDim/2 ..]} and {@code sines[t·headDim/2 ..]}.
     */
    public void run(float[] values, int offset, int rows, float[] cosines, float[] sines) {
        int half = key.headDim() / 2;
        count.set(0, rows);
        copyIn(cosines, cos, 0, rows * half);
        copyIn(sines, sin, 0, rows * half);
        int span = (rows - 1) * key.rowStride() + key.heads() * key.headDim();
        MemorySegment.copy(values, offset, x.getSegment(),
                ValueLayout.JAVA_FLOAT, 0, span);
        execute();
        MemorySegment.copy(x.getSegment(), ValueLayout.JAVA_FLOAT, 0, values,
                offset, span);
    }
}
