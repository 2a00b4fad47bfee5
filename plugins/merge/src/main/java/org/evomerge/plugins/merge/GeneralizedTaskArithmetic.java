package org.evomerge.plugins.merge;

import java.util.List;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.merge.MagnitudeQuantile;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.ModelTensor;
import org.evomerge.api.parameter.Parameters;

/**
 * The generalized task arithmetic pipeline of mergekit (ALGORITHMS.md B.7), one tensor per call, shared by
 * {@code task_arithmetic}, {@code ties}, {@code dare_ties}, {@code dare_linear}, {@code breadcrumbs},
 * {@code breadcrumbs_ties}, {@code della} and {@code della_linear}, which differ only in their {@link Sparsifier}
 * and whether they use a {@link SignConsensus}.
 *
 * <ol>
 *   <li>δ_m = x_m − base for every non-base model (in float32); no model: the base is returned (as a copy).</li>
 *   <li>Each δ_m is sparsified with the model's own {@code density} (and {@code gamma}, {@code epsilon}); with
 *       {@code rescale} the survivors are rescaled.</li>
 *   <li>wδ_m = w_m·δ_m (from here on in double precision).</li>
 *   <li>With consensus: a sign is elected per element; mixed = Σ of the agreeing wδ_m, divisor = Σ of the agreeing
 *       w_m (or their count). Without: mixed = Σ wδ_m, divisor = Σ w_m.</li>
 *   <li>If {@code normalize}: mixed /= divisor, where a divisor with |divisor| &lt; 1e-8 counts as 1 (weights that
 *       cancel, or no agreeing model). Then mixed *= {@code lambda}; the result is base + mixed, rounded once to
 *       float32.</li>
 * </ol>
 *
 * <p>The divisor guard follows mergekit's non-consensus branch; mergekit's consensus branch replaces only exact zeros,
 * so the two differ only where agreeing weights cancel to within 1e-8, which mergekit turns into a huge factor.
 *
 * <p>Memory: the output, one scratch buffer of n floats (magnitude selection) or of one row of longs (DELLA), and a
 * bit mask per model (n/8 bytes). The sparsified deltas are never materialised: the combine pass recomputes δ.
 * Randomness: model m draws from {@code input.random().fork(m)}, element i from its {@code uniform(i)}, so a merge
 * depends only on the seed, the tensor, the models' order and the values. Thread-safe: no state between calls.
 */
final class GeneralizedTaskArithmetic implements MergeMethod {

    private static final long EPSILON_BITS = Double.doubleToRawLongBits(1e-8);
    private static final long ONE_BITS = Double.doubleToRawLongBits(1.0);

    private final String methodId;
    private final boolean defaultNormalize;
    private final boolean defaultRescale;
    private final Sparsifier sparsifier;
    private final SignConsensus consensus;
    private final ModelWideTrim modelWide;

    /**
     * @param descriptor the method's descriptor: its id names it in errors, its schema's defaults of {@code normalize}
     *                   and {@code rescale} apply when a tensor's parameters lack them (the host normally fills them)
     * @param sparsifier the sparsifier, or {@code null} to keep every task vector whole ({@code task_arithmetic})
     * @param consensus  the sign consensus, or {@code null} for a plain weighted sum
     */
    GeneralizedTaskArithmetic(ExtensionDescriptor descriptor, Sparsifier sparsifier, SignConsensus consensus) {
        this(descriptor, sparsifier, consensus, null);
    }

    /**
     * @param modelWide trimming over the whole model instead of {@code sparsifier}'s per-tensor trimming, or
     *                  {@code null}; its thresholds come from the engine's pre-pass
     */
    GeneralizedTaskArithmetic(ExtensionDescriptor descriptor, Sparsifier sparsifier, SignConsensus consensus,
                              ModelWideTrim modelWide) {
        this.modelWide = modelWide;
        this.methodId = descriptor.id();
        this.defaultNormalize = defaultFlag(descriptor, GtaParameters.NORMALIZE);
        this.defaultRescale = defaultFlag(descriptor, GtaParameters.RESCALE);
        this.sparsifier = sparsifier;
        this.consensus = consensus;
    }

    private static boolean defaultFlag(ExtensionDescriptor descriptor, String name) {
        return descriptor.parameters().find(name).map(spec -> Boolean.TRUE.equals(spec.defaultValue())).orElse(false);
    }

    @Override
    public List<MagnitudeQuantile> modelWideQuantiles() {
        return modelWide == null ? List.of() : modelWide.quantiles();
    }

    @Override
    public float[] merge(MergeInput input) {
        return merge(input, ModelWideStatistics.NONE);
    }

    @Override
    public float[] merge(MergeInput input, ModelWideStatistics statistics) {
        ModelTensor baseTensor = input.base().orElseThrow(() -> EvomergeException.configuration(methodId
                + ": tensor '" + input.tensorName() + "' has no base model; " + methodId
                + " merges task vectors (model - base) and needs base_model"));
        float[] base = baseTensor.values();
        List<ModelTensor> models = input.models();
        int count = models.size();
        if (count == 0) {
            return base.clone();
        }
        Parameters tensorParameters = input.parameters();
        boolean normalize = GtaParameters.bool(tensorParameters, GtaParameters.NORMALIZE, defaultNormalize);
        boolean rescale = GtaParameters.bool(tensorParameters, GtaParameters.RESCALE, defaultRescale);
        double lambda = GtaParameters.number(tensorParameters, GtaParameters.LAMBDA, 1.0);

        float[][] values = new float[count][];
        double[] weights = new double[count];
        double[] factors = new double[count];
        long[][] masks = new long[count][];
        Sparsifier.Scratch scratch = new Sparsifier.Scratch();
        for (int m = 0; m < count; m++) {
            ModelTensor model = models.get(m);
            values[m] = model.values();
            weights[m] = GtaParameters.weight(methodId, input, model);
            Sparsifier trim = modelWide == null ? sparsifier : modelWide.forModel(statistics, model.model());
            SparseDelta sparse = trim == null ? SparseDelta.all()
                    : trim.sparsify(new TaskDelta(input.tensorName(), model.model(), input.shape(),
                            model.values(), base), model.parameters(), rescale, input.random().fork(m), scratch);
            masks[m] = sparse.mask();
            factors[m] = weights[m] * sparse.scale();
        }
        float[] merged = new float[input.elementCount()];
        if (consensus == null) {
            combineLinear(base, values, masks, factors, sum(weights), normalize, lambda, merged);
        } else {
            combineWithConsensus(base, values, masks, factors, weights, normalize, lambda, merged);
        }
        return merged;
    }

    private static void combineLinear(float[] base, float[][] values, long[][] masks, double[] factors,
                                      double weightSum, boolean normalize, double lambda, float[] merged) {
        double divisor = normalize ? guard(weightSum) : 1.0;
        int count = values.length;
        for (int i = 0; i < merged.length; i++) {
            float b = base[i];
            double mixed = 0;
            for (int m = 0; m < count; m++) {
                mixed += (values[m][i] - b) * factors[m] * kept(masks[m], i);
            }
            merged[i] = (float) (b + mixed / divisor * lambda);
        }
    }

    /**
     * The consensus combine. Signs of task-vector elements are as good as random, so the loop has no data-dependent
     * branches (a branchy version is about three times slower): signs and agreement are computed on the bits.
     */
    private void combineWithConsensus(float[] base, float[][] values, long[][] masks, double[] factors,
                                      double[] weights, boolean normalize, double lambda, float[] merged) {
        int count = values.length;
        boolean sumElection = consensus.election() == SignConsensus.Election.SUM;
        boolean weightedMean = consensus.mean() == SignConsensus.DisjointMean.WEIGHTED;
        double[] weighted = new double[count];
        double[] shares = new double[count];
        for (int m = 0; m < count; m++) {
            shares[m] = weightedMean ? weights[m] : 1.0;
        }
        int start = sumElection ? ConsensusLanes.combine(base, values, masks, factors, shares, normalize, lambda, merged)
                : 0;
        for (int i = start; i < merged.length; i++) {
            float b = base[i];
            double sum = 0;
            long votes = 0;
            for (int m = 0; m < count; m++) {
                double v = (values[m][i] - b) * factors[m] * kept(masks[m], i);
                weighted[m] = v;
                sum += v;
                long bits = Double.doubleToRawLongBits(v);
                votes += nonZero(bits) * (1 - 2 * (bits >>> 63));
            }
            // 0 elects +, 1 elects -. The sum starts at +0.0 and so is never -0.0: a zero sum elects +, as does a
            // tied count.
            long electedNegative = sumElection ? Double.doubleToRawLongBits(sum) >>> 63 : votes >>> 63;
            double mixed = 0;
            double divisor = 0;
            for (int m = 0; m < count; m++) {
                double v = weighted[m];
                long bits = Double.doubleToRawLongBits(v);
                // 1 when v is non-zero and has the elected sign, else 0
                long agrees = nonZero(bits) & ~((bits >>> 63) ^ electedNegative);
                mixed += v * agrees;
                divisor += shares[m] * agrees;
            }
            if (normalize) {
                mixed /= guard(divisor);
            }
            merged[i] = (float) (b + mixed * lambda);
        }
    }

    /** 1 if the double with these bits is non-zero (either sign), else 0. */
    private static long nonZero(long bits) {
        long magnitude = bits << 1;
        return (magnitude | -magnitude) >>> 63;
    }

    /** 1 if element {@code i} survived sparsification, else 0 (every element survives a {@code null} mask). */
    private static double kept(long[] mask, int i) {
        return mask == null ? 1.0 : (double) ((mask[i >>> 6] >>> i) & 1L);
    }

    /** The divisor, or 1 where |divisor| &lt; 1e-8; without a branch (non-negative doubles order like their bits). */
    private static double guard(double divisor) {
        long small = (Double.doubleToRawLongBits(Math.abs(divisor)) - EPSILON_BITS) >>> 63;
        long select = -small;
        return Double.longBitsToDouble((Double.doubleToRawLongBits(divisor) & ~select) | (ONE_BITS & select));
    }

    private static double sum(double[] values) {
        double total = 0;
        for (double v : values) {
            total += v;
        }
        return total;
    }
}
