package org.evomerge.gpu.tornado.kernels;

import org.evomerge.kernels.ElementMath;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

/**
 * The merge maths as TornadoVM kernels. Each method is plain sequential Java whose {@code @Parallel} loops TornadoVM
 * turns into an ND-range; on a JVM without TornadoVM the annotations are inert, which is how the unit tests run them
 * against the CPU reference. The element arithmetic is {@link ElementMath}'s, so the device and the CPU backends
 * share one definition.
 *
 * <p>Layout: several models' tensors of {@code n} elements each are packed model after model into one array
 * ({@code values[m·n + i]}), so a kernel takes a fixed number of arguments whatever the model count. Callers keep
 * {@code models·n} below 2³¹ (TornadoVM indexes with {@code int}).
 *
 * <p>Reductions are two-phase: a {@code partial…} kernel writes one double per chunk of {@code chunk} elements (one
 * work item per chunk), then {@link #sumPartials} adds the chunks in order on the device, so the host reads back one
 * value. Summation order differs from a single sequential loop only by the chunking.
 */
public final class MergeKernels {

    private MergeKernels() {
    }

    /** {@code out[i] = Σ_m weights[m]·inputs[m·n+i]}, fused multiply-adds in model order like the CPU backends. */
    public static void weightedSum(FloatArray inputs, FloatArray weights, FloatArray out, int models, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float acc = 0f;
            for (int m = 0; m < models; m++) {
                acc = DeviceMath.weightedAccumulate(acc, weights.get(m), inputs.get(m * n + i));
            }
            out.set(i, acc);
        }
    }

    /** {@code y[i] += a·x[i]} (task arithmetic's accumulation step). */
    public static void axpy(float a, FloatArray x, FloatArray y, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            y.set(i, DeviceMath.weightedAccumulate(y.get(i), a, x.get(i)));
        }
    }

    /** Phase one of {@code Σ a[i]·b[i]}: {@code partials[c]} is the double sum over chunk {@code c}. */
    public static void partialDots(FloatArray a, FloatArray b, DoubleArray partials, int n, int chunk, int chunks) {
        for (@Parallel int c = 0; c < chunks; c++) {
            int start = c * chunk;
            int end = Math.min(n, start + chunk);
            double sum = 0;
            for (int i = start; i < end; i++) {
                sum += (double) a.get(i) * b.get(i);
            }
            partials.set(c, sum);
        }
    }

    /** Phase one of {@code Σ a[i]²} (SLERP norms): {@code partials[c]} is the double sum over chunk {@code c}. */
    public static void partialSumsOfSquares(FloatArray a, DoubleArray partials, int n, int chunk, int chunks) {
        for (@Parallel int c = 0; c < chunks; c++) {
            int start = c * chunk;
            int end = Math.min(n, start + chunk);
            double sum = 0;
            for (int i = start; i < end; i++) {
                double v = a.get(i);
                sum += v * v;
            }
            partials.set(c, sum);
        }
    }

    /** Phase two: {@code result[0] = Σ partials[c]} in chunk order, one work item. */
    public static void sumPartials(DoubleArray partials, DoubleArray result, int chunks) {
        double sum = 0;
        for (int c = 0; c < chunks; c++) {
            sum += partials.get(c);
        }
        result.set(0, sum);
    }

    /**
     * TIES trim: {@code keep[m·n+i] = 1} where the task-vector element {@code |values[m·n+i] − base[i]|} reaches the
     * model's magnitude threshold {@code thresholds[m]}, else 0.
     */
    public static void trimByMagnitude(FloatArray values, FloatArray base, FloatArray thresholds, FloatArray keep,
                                       int models, int n) {
        for (@Parallel int m = 0; m < models; m++) {
            for (@Parallel int i = 0; i < n; i++) {
                float delta = Math.abs(values.get(m * n + i) - base.get(i));
                keep.set(m * n + i, delta >= thresholds.get(m) ? 1f : 0f);
            }
        }
    }

    /**
     * DARE drop: {@code keep[m·n+i] = 1} iff the counter-based draw for element {@code i} under model {@code m}'s
     * seed is below its density ({@link ElementMath#dareKeeps}), the very draw the CPU merge makes, so the device
     * keeps exactly the same elements.
     */
    public static void dareMask(LongArray seeds, DoubleArray densities, FloatArray keep, int models, int n) {
        for (@Parallel int m = 0; m < models; m++) {
            for (@Parallel int i = 0; i < n; i++) {
                keep.set(m * n + i, ElementMath.dareKeeps(seeds.get(m), i, densities.get(m)) ? 1f : 0f);
            }
        }
    }

    /**
     * Phase one of DARE's L1 rescale: per model and chunk, the L1 norm of the task vector before
     * ({@code before[m·chunks+c]}) and after ({@code after[m·chunks+c]}) dropping.
     */
    public static void partialL1Norms(FloatArray values, FloatArray base, FloatArray keep, DoubleArray before,
                                      DoubleArray after, int models, int n, int chunk, int chunks) {
        for (@Parallel int m = 0; m < models; m++) {
            for (@Parallel int c = 0; c < chunks; c++) {
                int start = c * chunk;
                int end = Math.min(n, start + chunk);
                double all = 0;
                double kept = 0;
                for (int i = start; i < end; i++) {
                    double magnitude = Math.abs(values.get(m * n + i) - base.get(i));
                    all += magnitude;
                    kept += magnitude * keep.get(m * n + i);
                }
                before.set(m * chunks + c, all);
                after.set(m * chunks + c, kept);
            }
        }
    }

    /**
     * The TIES/DARE-TIES combine: per element, weighted deltas {@code v_m = (values − base)·factors[m]·keep} (in
     * double), a sign elected by their sum ({@code countElection = 0}) or by the majority of their signs ({@code 1}),
     * the agreeing deltas summed and, with {@code normalize = 1}, divided by the agreeing models' {@code shares}
     * ({@link ElementMath#guardedDivisor}); {@code out = base + mixed·lambda}, rounded once to float.
     */
    public static void consensusCombine(FloatArray base, FloatArray values, FloatArray keep, DoubleArray factors,
                                        DoubleArray shares, FloatArray out, int models, int n, int countElection,
                                        int normalize, double lambda) {
        for (@Parallel int i = 0; i < n; i++) {
            float b = base.get(i);
            double sum = 0;
            double votes = 0;
            for (int m = 0; m < models; m++) {
                double v = (values.get(m * n + i) - b) * factors.get(m) * keep.get(m * n + i);
                sum += v;
                votes += v > 0 ? 1 : (v < 0 ? -1 : 0);
            }
            boolean negative = ElementMath.electsNegative(countElection == 1 ? votes : sum);
            double mixed = 0;
            double divisor = 0;
            for (int m = 0; m < models; m++) {
                double v = (values.get(m * n + i) - b) * factors.get(m) * keep.get(m * n + i);
                if (ElementMath.agrees(v, negative)) {
                    mixed += v;
                    divisor += shares.get(m);
                }
            }
            if (normalize == 1) {
                mixed = mixed / ElementMath.guardedDivisor(divisor);
            }
            out.set(i, (float) (b + mixed * lambda));
        }
    }

    /**
     * The combine without consensus (task arithmetic, DARE-linear): {@code out = base + lambda·Σ_m v_m / divisor}
     * with {@code v_m = (values − base)·factors[m]·keep} in double.
     */
    public static void linearCombine(FloatArray base, FloatArray values, FloatArray keep, DoubleArray factors,
                                     FloatArray out, int models, int n, double divisor, double lambda) {
        for (@Parallel int i = 0; i < n; i++) {
            float b = base.get(i);
            double mixed = 0;
            for (int m = 0; m < models; m++) {
                mixed += (values.get(m * n + i) - b) * factors.get(m) * keep.get(m * n + i);
            }
            out.set(i, (float) (b + mixed / divisor * lambda));
        }
    }

    /** {@code out[i] = x[i] − base[i]} (the task vector, in float). */
    public static void taskVector(FloatArray x, FloatArray base, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, x.get(i) - base.get(i));
        }
    }

    /**
     * {@code out[i] = (float) (coefficients[0]·a[i] + coefficients[1]·b[i])} in double (SLERP's combination); the
     * coefficients travel in device memory because they change from tensor to tensor.
     */
    public static void linearCombination(FloatArray a, FloatArray b, DoubleArray coefficients, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            double first = coefficients.get(0) * a.get(i);
            double second = coefficients.get(1) * b.get(i);
            out.set(i, (float) (first + second));
        }
    }

    /**
     * Magnitude-band trim: {@code keep[i] = 1} where |values[i] − base[i]| ranks before the position
     * ({@code thresholds[1]}, {@code ties[1]}) but not before ({@code thresholds[0]}, {@code ties[0]}) in the
     * magnitude order ({@link ElementMath#ranksBefore}), else 0.
     */
    public static void rankMask(FloatArray values, FloatArray base, FloatArray thresholds, IntArray ties,
                                FloatArray keep, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float magnitude = Math.abs(values.get(i) - base.get(i));
            boolean beforeTo = ElementMath.ranksBefore(magnitude, i, thresholds.get(1), ties.get(1));
            boolean beforeFrom = ElementMath.ranksBefore(magnitude, i, thresholds.get(0), ties.get(0));
            keep.set(i, beforeTo && !beforeFrom ? 1f : 0f);
        }
    }
}
