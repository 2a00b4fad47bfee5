package org.evomerge.gpu.tornado;

import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.api.compute.SignElection;
import org.evomerge.api.compute.TaskVectorCombine;
import org.evomerge.gpu.tornado.plan.AxpyPlan;
import org.evomerge.gpu.tornado.plan.CombinePlan;
import org.evomerge.gpu.tornado.plan.ElementwisePlan;
import org.evomerge.gpu.tornado.plan.MaskPlan;
import org.evomerge.gpu.tornado.plan.DeviceWeightCache;
import org.evomerge.gpu.tornado.plan.MatVecPlan;
import org.evomerge.gpu.tornado.plan.PlanCache;
import org.evomerge.gpu.tornado.plan.ReductionPlan;
import org.evomerge.gpu.tornado.plan.WeightedSumPlan;

/**
 * The device side of {@link TornadoBackend}: plans built once per operation and size and reused (kernels compile on
 * a plan's first execution only), and weight matrices kept on the device. Only created after the runtime probe
 * passed. Not thread-safe: the backend serialises calls.
 */
final class DeviceOperations implements AutoCloseable {

    /** Plans kept per operation: a model has a handful of tensor shapes, each compiled once. */
    private static final int PLANS_PER_OPERATION = 16;

    private final PlanCache<WeightedSumPlan.Key, WeightedSumPlan> weightedSums = new PlanCache<>(PLANS_PER_OPERATION);
    private final PlanCache<Integer, AxpyPlan> axpys = new PlanCache<>(PLANS_PER_OPERATION);
    private final PlanCache<ReductionPlan.Key, ReductionPlan> reductions = new PlanCache<>(PLANS_PER_OPERATION);
    private final DeviceWeightCache weights = new DeviceWeightCache();
    private final PlanCache<MaskPlan.Key, MaskPlan> masks = new PlanCache<>(PLANS_PER_OPERATION);
    private final PlanCache<CombinePlan.Key, CombinePlan> combines = new PlanCache<>(PLANS_PER_OPERATION);
    private final PlanCache<ElementwisePlan.Key, ElementwisePlan> elementwise = new PlanCache<>(PLANS_PER_OPERATION);

    MaskNorms randomMask(long seed, long stream, float[] x, float[] base, double density, long[] mask) {
        return masks.get(new MaskPlan.Key(MaskPlan.Kind.RANDOM, x.length), MaskPlan::new)
                .random(seed, stream, x, base, density, mask);
    }

    MaskNorms magnitudeMask(float[] x, float[] base, MagnitudeRank from, MagnitudeRank to, long[] mask) {
        return masks.get(new MaskPlan.Key(MaskPlan.Kind.MAGNITUDE, x.length), MaskPlan::new)
                .magnitude(x, base, from, to, mask);
    }

    void combineTaskVectors(float[] base, float[][] models, long[][] masksOfModels, TaskVectorCombine combine,
                            float[] out) {
        boolean consensus = combine.election() != SignElection.NONE;
        combines.get(new CombinePlan.Key(models.length, out.length, consensus), CombinePlan::new)
                .run(base, models, masksOfModels, combine, out);
    }

    void taskVector(float[] x, float[] base, float[] out) {
        elementwise.get(new ElementwisePlan.Key(ElementwisePlan.Kind.TASK_VECTOR, out.length), ElementwisePlan::new)
                .run(x, 1, base, -1, out);
    }

    void linearCombination(float[] a, double ca, float[] b, double cb, float[] out) {
        elementwise.get(new ElementwisePlan.Key(ElementwisePlan.Kind.LINEAR_COMBINATION, out.length),
                ElementwisePlan::new).run(a, ca, b, cb, out);
    }

    void weightedSum(float[][] inputs, float[] w, float[] out) {
        weightedSums.get(new WeightedSumPlan.Key(inputs.length, out.length), WeightedSumPlan::new).run(inputs, w, out);
    }

    void axpy(float a, float[] x, float[] y) {
        axpys.get(y.length, AxpyPlan::new).run(a, x, y);
    }

    double dot(float[] a, float[] b) {
        return reductions.get(new ReductionPlan.Key(ReductionPlan.Kind.DOT, a.length), ReductionPlan::new).run(a, b);
    }

    double sumOfSquares(float[] a) {
        return reductions.get(new ReductionPlan.Key(ReductionPlan.Kind.SUM_OF_SQUARES, a.length), ReductionPlan::new)
                .run(a, null);
    }

    void matVecF32(float[] w, int rows, int cols, float[] x, float[] y) {
        weights.get(w, () -> MatVecPlan.f32(w, rows, cols)).run(x, y);
    }

    void matVecF16(short[] w, int rows, int cols, float[] x, float[] y) {
        weights.get(w, () -> MatVecPlan.f16(w, rows, cols)).run(x, y);
    }

    void matVecQ8_0(byte[] w, int rows, int cols, float[] x, float[] y) {
        weights.get(w, () -> MatVecPlan.q8_0(w, rows, cols)).run(x, y);
    }

    void release(Object w) {
        weights.evict(w);
    }

    /** Weight matrices currently on the device, and how many times weights were uploaded. */
    int residentWeights() {
        return weights.size();
    }

    int weightUploads() {
        return weights.uploads();
    }

    @Override
    public void close() {
        weightedSums.close();
        axpys.close();
        reductions.close();
        weights.close();
        masks.close();
        combines.close();
        elementwise.close();
    }
}
