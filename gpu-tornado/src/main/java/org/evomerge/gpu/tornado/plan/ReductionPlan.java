package org.evomerge.gpu.tornado.plan;

import org.evomerge.gpu.tornado.kernels.MergeKernels;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * The two-phase double reductions of SLERP: {@code Σ a·b} ({@link Kind#DOT}) or {@code Σ a²}
 * ({@link Kind#SUM_OF_SQUARES}) over {@code n} elements, per-chunk partial sums then the chunk sum on the device.
 */
public final class ReductionPlan extends DevicePlan {

    /** Elements per work item in phase one. */
    public static final int CHUNK = 4096;

    /** Which reduction. */
    public enum Kind { DOT, SUM_OF_SQUARES }

    /** The sizes a plan is built for. */
    public record Key(Kind kind, int n) {
    }

    private final int n;
    private final FloatArray a;
    private final FloatArray b;
    private final DoubleArray result;

    /** Builds the task graph for {@code key}. */
    public ReductionPlan(Key key) {
        this.n = key.n();
        int chunks = Math.max(1, (n + CHUNK - 1) / CHUNK);
        this.a = new FloatArray(n);
        this.b = key.kind() == Kind.DOT ? new FloatArray(n) : null;
        DoubleArray partials = new DoubleArray(chunks);
        this.result = new DoubleArray(1);
        TaskGraph graph = new TaskGraph(key.kind() == Kind.DOT ? "dot" : "sumOfSquares");
        if (key.kind() == Kind.DOT) {
            graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b)
                    .task("partials", MergeKernels::partialDots, a, b, partials, n, CHUNK, chunks);
        } else {
            graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                    .task("partials", MergeKernels::partialSumsOfSquares, a, partials, n, CHUNK, chunks);
        }
        build(graph.task("finish", MergeKernels::sumPartials, partials, result, chunks)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, result)
                .snapshot());
    }

    /** The reduction of {@code first} (and {@code second} for a dot product). */
    public double run(float[] first, float[] second) {
        copyIn(first, a, 0, n);
        if (b != null) {
            copyIn(second, b, 0, n);
        }
        execute();
        return result.get(0);
    }
}
