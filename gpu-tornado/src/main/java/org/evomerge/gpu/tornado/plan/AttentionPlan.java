package org.evomerge.gpu.tornado.plan;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.evomerge.api.compute.AttentionShape;
import org.evomerge.gpu.tornado.kernels.ForwardKernels;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Causal attention of up to {@code capacity} query rows over up to {@code contextCapacity} cached positions on the
 * device ({@link ForwardKernels#attentionRows}). The cache's filled prefix, the queries, the first position and the
 * row count travel with each execution; the scale and soft cap too, so layers that differ only in those share it.
 */
public final class AttentionPlan extends DevicePlan {

    /** The layout and sizes a plan is built for. */
    public record Key(int heads, int kvHeads, int headDim, int window, int capacity, int contextCapacity) {
    }

    private final Key key;
    private final FloatArray q;
    private final FloatArray keys;
    private final FloatArray values;
    private final FloatArray out;
    private final IntArray args = new IntArray(2);
    private final FloatArray factors = new FloatArray(2);

    /** Builds the task graph for {@code key}. */
    public AttentionPlan(Key key) {
        this.key = key;
        int qDim = key.heads() * key.headDim();
        int kvDim = key.kvHeads() * key.headDim();
        this.q = new FloatArray(key.capacity() * qDim);
        this.keys = new FloatArray(key.contextCapacity() * kvDim);
        this.values = new FloatArray(key.contextCapacity() * kvDim);
        this.out = new FloatArray(key.capacity() * qDim);
        FloatArray scores = new FloatArray(key.capacity() * key.heads() * key.contextCapacity());
        build(new TaskGraph("attention")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, args, factors, q, keys, values)
                .task("attention", ForwardKernels::attentionRows, q, keys, values, scores, out, args, factors,
                        key.heads(), key.kvHeads(), key.headDim(), key.window(), key.capacity(),
                        key.contextCapacity())
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out)
                .snapshot());
    }

    /** {@link org.evomerge.api.compute.InferenceOperations#attention} for at most {@code capacity} rows. */
    public void run(AttentionShape shape, float[] cacheKeys, float[] cacheValues, float[] queries, int start,
                    int tokens, float[] output) {
        int qDim = key.heads() * key.headDim();
        int filled = (start + tokens) * key.kvHeads() * key.headDim();
        args.set(0, start);
        args.set(1, tokens);
        factors.set(0, shape.scale());
        factors.set(1, shape.softCap());
        copyIn(queries, q, 0, tokens * qDim);
        copyIn(cacheKeys, keys, 0, filled);
        copyIn(cacheValues, values, 0, filled);
        execute();
        MemorySegment.copy(out.getSegment(), ValueLayout.JAVA_FLOAT, 0, output, 0, tokens * qDim);
    }
}
