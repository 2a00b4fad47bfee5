package org.evomerge.gpu.tornado.plan;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.evomerge.api.compute.SignElection;
import org.evomerge.api.compute.TaskVectorCombine;
import org.evomerge.gpu.tornado.kernels.MergeKernels;
import org.evomerge.kernels.ElementMath;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * {@code TaskVectorOperations.combineTaskVectors} on the device for {@code models} tensors of {@code n} elements: the TIES
 * consensus combine ({@link MergeKernels#consensusCombine}) or the plain one ({@link MergeKernels#linearCombine}).
 * Masks go to the device as 0/1 floats per element, packed model after model; weights, election, normalisation and
 * λ travel in a small device array, so one plan serves every tensor of that shape.
 */
public final class CombinePlan extends DevicePlan {

    /** The sizes a plan is built for; {@code consensus} picks the kernel. */
    public record Key(int models, int n, boolean consensus) {
    }

    private final int models;
    private final int n;
    private final FloatArray base;
    private final FloatArray values;
    private final FloatArray keep;
    private final DoubleArray factors;
    private final DoubleArray shares;
    /** [count election 0/1, normalize 0/1, lambda, divisor of the plain combine]. */
    private final DoubleArray settings = new DoubleArray(4);
    private final FloatArray out;

    /** Builds the task graph for {@code key}. */
    public CombinePlan(Key key) {
        this.models = key.models();
        this.n = key.n();
        this.base = new FloatArray(n);
        this.values = new FloatArray(models * n);
        this.keep = new FloatArray(models * n);
        this.factors = new DoubleArray(models);
        this.shares = new DoubleArray(models);
        this.out = new FloatArray(n);
        TaskGraph graph = new TaskGraph(key.consensus() ? "consensusCombine" : "linearCombine")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, base, values, keep, factors, shares, settings);
        if (key.consensus()) {
            graph.task("combine", CombinePlan::consensus, base, values, keep, factors, shares, settings, out, models,
                    n);
        } else {
            graph.task("combine", CombinePlan::linear, base, values, keep, factors, settings, out, models, n);
        }
        build(graph.transferToHost(DataTransferMode.EVERY_EXECUTION, out).snapshot());
    }

    /** The consensus kernel with its settings read from device memory. */
    static void consensus(FloatArray base, FloatArray values, FloatArray keep, DoubleArray factors,
                          DoubleArray shares, DoubleArray settings, FloatArray out, int models, int n) {
        MergeKernels.consensusCombine(base, values, keep, factors, shares, out, models, n, (int) settings.get(0),
                (int) settings.get(1), settings.get(2));
    }

    /** The plain kernel with its divisor and λ read from device memory. */
    static void linear(FloatArray base, FloatArray values, FloatArray keep, DoubleArray factors,
                       DoubleArray settings, FloatArray out, int models, int n) {
        MergeKernels.linearCombine(base, values, keep, factors, out, models, n, settings.get(3), settings.get(2));
    }

    /** Runs the combine; {@code masks[m] == null} keeps every element of model m. */
    public void run(float[] b, float[][] inputs, long[][] masks, TaskVectorCombine combine, float[] result) {
        copyIn(b, base, 0, n);
        MemorySegment keepSegment = keep.getSegment();
        double shareSum = 0;
        for (int m = 0; m < models; m++) {
            copyIn(inputs[m], values, (long) m * n, n);
            long[] mask = masks[m];
            long offset = (long) m * n;
            for (int i = 0; i < n; i++) {
                boolean kept = mask == null || (mask[i >>> 6] & (1L << i)) != 0;
                keepSegment.setAtIndex(ValueLayout.JAVA_FLOAT, offset + i, kept ? 1f : 0f);
            }
            factors.set(m, combine.factors()[m]);
            shares.set(m, combine.shares()[m]);
            shareSum += combine.shares()[m];
        }
        settings.set(0, combine.election() == SignElection.COUNT ? 1 : 0);
        settings.set(1, combine.normalize() ? 1 : 0);
        settings.set(2, combine.lambda());
        settings.set(3, combine.normalize() ? ElementMath.guardedDivisor(shareSum) : 1.0);
        execute();
        copyOut(out, result, n);
    }
}
