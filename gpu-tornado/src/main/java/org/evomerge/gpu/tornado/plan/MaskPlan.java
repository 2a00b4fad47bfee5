package org.evomerge.gpu.tornado.plan;

import java.lang.foreign.ValueLayout;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.gpu.tornado.kernels.MergeKernels;
import org.evomerge.kernels.ElementMath;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

/**
 * One task vector's keep mask and its L1 norms on the device, for {@code n} elements: DARE's counter-based drop
 * ({@link MergeKernels#dareMask} with the stream's seed, {@link ElementMath#streamSeed}) or a magnitude band
 * ({@link MergeKernels#rankMask}), then {@link MergeKernels#partialL1Norms}. The per-call values (seed, density,
 * thresholds) travel in small device arrays, so one compiled plan serves every tensor of that size. The host packs
 * the 0/1 floats into the backend's bit mask and adds the chunk norms in chunk order.
 */
public final class MaskPlan extends DevicePlan {

    /** Which mask. */
    public enum Kind { RANDOM, MAGNITUDE }

    /** The sizes and kind a plan is built for. */
    public record Key(Kind kind, int n) {
    }

    private static final int CHUNK = 4096;

    private final int n;
    private final int chunks;
    private final FloatArray values;
    private final FloatArray base;
    private final FloatArray keep;
    private final DoubleArray before;
    private final DoubleArray after;
    private final LongArray seeds = new LongArray(1);
    private final DoubleArray densities = new DoubleArray(1);
    private final FloatArray thresholds = new FloatArray(2);
    private final IntArray ties = new IntArray(2);

    /** Builds the task graph for {@code key}. */
    public MaskPlan(Key key) {
        this.n = key.n();
        this.chunks = Math.max(1, (n + CHUNK - 1) / CHUNK);
        this.values = new FloatArray(n);
        this.base = new FloatArray(n);
        this.keep = new FloatArray(n);
        this.before = new DoubleArray(chunks);
        this.after = new DoubleArray(chunks);
        TaskGraph graph = new TaskGraph("mask" + key.kind());
        if (key.kind() == Kind.RANDOM) {
            graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, values, base, seeds, densities)
                    .task("mask", MergeKernels::dareMask, seeds, densities, keep, 1, n);
        } else {
            graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, values, base, thresholds, ties)
                    .task("mask", MergeKernels::rankMask, values, base, thresholds, ties, keep, n);
        }
        build(graph.task("norms", MergeKernels::partialL1Norms, values, base, keep, before, after, 1, n, CHUNK, chunks)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, keep, before, after)
                .snapshot());
    }

    /** DARE: element i kept iff {@code ElementMath.streamUniform(seed, stream, i) < density}. */
    public MaskNorms random(long seed, long stream, float[] x, float[] b, double density, long[] mask) {
        seeds.set(0, ElementMath.streamSeed(seed, stream));
        densities.set(0, density);
        return run(x, b, mask);
    }

    /** Kept iff |δ| ranks before {@code to} but not before {@code from}. */
    public MaskNorms magnitude(float[] x, float[] b, MagnitudeRank from, MagnitudeRank to, long[] mask) {
        thresholds.set(0, from.threshold());
        ties.set(0, from.tieIndex());
        thresholds.set(1, to.threshold());
        ties.set(1, to.tieIndex());
        return run(x, b, mask);
    }

    private MaskNorms run(float[] x, float[] b, long[] mask) {
        copyIn(x, values, 0, n);
        copyIn(b, base, 0, n);
        execute();
        java.util.Arrays.fill(mask, 0, (n + 63) >>> 6, 0L);
        var segment = keep.getSegment();
        for (int i = 0; i < n; i++) {
            if (segment.getAtIndex(ValueLayout.JAVA_FLOAT, i) != 0f) {
                mask[i >>> 6] |= 1L << i;
            }
        }
        double total = 0;
        double kept = 0;
        for (int c = 0; c < chunks; c++) {
            total += before.get(c);
            kept += after.get(c);
        }
        return new MaskNorms(total, kept);
    }
}
