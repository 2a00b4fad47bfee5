package org.evomerge.plugins.merge;

import java.util.Arrays;
import java.util.Set;
import java.util.function.IntToDoubleFunction;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;

/**
 * mergekit's {@code arcee_fusion}: keeps the other model's change only where it matters most. With a the base and b
 * the other model:
 * <ul>
 *   <li>importance = |b − a| · KL(p‖q), where p = softmax(b) + 1e-8 and q = softmax(a) + 1e-8 along the last
 *       dimension (one KL value per row, broadcast over the row; a tensor of rank 0 or 1 is one row);</li>
 *   <li>threshold = median + 1.5·(Q3 − Q1) of the importance values;</li>
 *   <li>result = a + (b − a) where importance ≥ threshold, a elsewhere (float32 arithmetic, as mergekit).</li>
 * </ul>
 * Softmax, KL, importance, the quantiles and the threshold test are all in double: an importance that equals
 * median + 1.5·IQR in exact arithmetic is kept, where rounding importance or threshold to float32 could put it one ulp
 * below. mergekit computes the KL of two nearly equal distributions in float32, with a relative error near 1e-3, so
 * elements whose importance lies that close to the threshold may fall on the other side there (about 2 in 10,000
 * elements on the small reference models, measured against a float32 re-implementation); evomerge's result is the
 * one of the exact arithmetic.
 *
 * <p><b>Quantiles.</b> mergekit's definition: the sorted sample's element at index ⌊q·(m − 1)⌋ (numpy's
 * {@code method="lower"}), for q = 0.25, 0.5, 0.75 over a sample of m values. A tensor of at most
 * {@code sample_size} elements (default 10^6, mergekit's fixed size) is used whole, so the result equals mergekit's.
 * A larger tensor is sampled without replacement: mergekit takes an unseeded random permutation, so its result is
 * not reproducible; evomerge keeps the {@code sample_size} elements with the smallest counter-based random keys from
 * {@code input.random()} (32-bit keys from {@link RandomSource#bits(long)}, ties by index), so the result depends
 * only on the run's seed and the tensor's name.
 *
 * <p>Inputs: the base ({@link Capability#REQUIRES_BASE_MODEL}) and exactly one other model
 * ({@link Capability#EXACTLY_TWO_MODELS}, counting the base). A tensor only the base has is returned unchanged.
 */
@Extension
public class ArceeFusionMergeFactory extends DescribedMergeMethodFactory {

    static final String ID = "arcee_fusion";
    /** Added to both softmax distributions before the KL divergence. */
    static final double SOFTMAX_EPS = 1e-8;
    /** mergekit's sample size for the quantiles. */
    static final int DEFAULT_SAMPLE_SIZE = 1_000_000;

    public ArceeFusionMergeFactory() {
        super(ID, "Arcee fusion: take the other model's changes where |Δ|·KL exceeds median + 1.5·IQR.",
                ParameterSchema.of(ParameterSpec.integer("sample_size", DEFAULT_SAMPLE_SIZE, 1L,
                        (long) Integer.MAX_VALUE - 8,
                        "importance values sampled (seeded) to estimate the quantiles; larger tensors are sampled")),
                Set.of(Capability.REQUIRES_BASE_MODEL, Capability.EXACTLY_TWO_MODELS, Capability.RANDOMIZED));
    }

    @Override
    public MergeMethod create(Parameters globalParameters, RunContext context) {
        int sampleSize = Math.toIntExact(globalParameters.integer("sample_size"));
        return (WholeTensorMethod) (input, models, base, statistics, out) -> merge(input, models, base, sampleSize,
                out);
    }

    private static void merge(MergeInput input, float[][] models, float[] a, int sampleSize, float[] out) {
        InputArity.requireBase(input, ID);
        InputArity.requireModels(input, ID, 1, "a base model and exactly one other model");
        float[] b = models[0];
        int n = a.length;
        if (n == 0) {
            return;
        }
        long[] dims = input.shape().dims();
        int rowLength = dims.length == 0 ? n : (int) dims[dims.length - 1];
        double[] divergence = rowDivergences(a, b, rowLength);
        IntToDoubleFunction importance = i -> importance(a, b, divergence[i / rowLength], i);
        double threshold = threshold(sample(importance, n, sampleSize, input.random()));
        for (int i = 0; i < n; i++) {
            out[i] = importance.applyAsDouble(i) >= threshold ? a[i] + (b[i] - a[i]) : a[i];
        }
    }

    /** Element i's importance: |b − a| times its row's KL divergence, in double. */
    static double importance(float[] a, float[] b, double rowDivergence, int i) {
        return Math.abs((double) b[i] - a[i]) * rowDivergence;
    }

    /** Each row's KL(softmax(b) + ε ‖ softmax(a) + ε), one value per row of {@code rowLength} elements. */
    static double[] rowDivergences(float[] a, float[] b, int rowLength) {
        double[] divergence = new double[a.length / rowLength];
        for (int row = 0; row < divergence.length; row++) {
            int start = row * rowLength;
            int end = start + rowLength;
            double maxA = Double.NEGATIVE_INFINITY;
            double maxB = Double.NEGATIVE_INFINITY;
            for (int i = start; i < end; i++) {
                maxA = Math.max(maxA, a[i]);
                maxB = Math.max(maxB, b[i]);
            }
            double sumA = 0;
            double sumB = 0;
            for (int i = start; i < end; i++) {
                sumA += Math.exp(a[i] - maxA);
                sumB += Math.exp(b[i] - maxB);
            }
            double kl = 0;
            for (int i = start; i < end; i++) {
                double p = Math.exp(b[i] - maxB) / sumB + SOFTMAX_EPS;
                double q = Math.exp(a[i] - maxA) / sumA + SOFTMAX_EPS;
                kl += p * Math.log(p / q);
            }
            divergence[row] = kl;
        }
        return divergence;
    }

    /** median + 1.5·IQR of {@code sample} (sorted in place), in double. */
    static double threshold(double[] sample) {
        Arrays.sort(sample);
        double median = quantile(sample, 0.5);
        double iqr = quantile(sample, 0.75) - quantile(sample, 0.25);
        return median + 1.5 * iqr;
    }

    /** The element at index ⌊q·(m − 1)⌋ of the sorted values (numpy's {@code method="lower"}). */
    static double quantile(double[] sorted, double q) {
        return sorted[(int) (q * (sorted.length - 1))];
    }

    /**
     * The {@code n} values when there are at most {@code size}; otherwise a uniform sample of {@code size} distinct
     * elements: those with the smallest 32-bit keys {@code random.bits(i) >>> 32} (ties by index). Only candidates
     * below a key limit a little above the expected cut are collected and sorted, so memory stays near the sample
     * size.
     */
    static double[] sample(IntToDoubleFunction values, int n, int size, RandomSource random) {
        if (n <= size) {
            double[] all = new double[n];
            for (int i = 0; i < n; i++) {
                all[i] = values.applyAsDouble(i);
            }
            return all;
        }
        double fraction = Math.min(1.0, (size + 6.0 * Math.sqrt(size) + 16.0) / n);
        while (true) {
            long limit = fraction >= 1.0 ? 1L << 32 : (long) Math.ceil(fraction * 0x1p32);
            long[] candidates = new long[(int) Math.min(n, (long) (fraction * n * 1.05) + 64)];
            int found = 0;
            for (int i = 0; i < n; i++) {
                long key = random.bits(i) >>> 32;
                if (key < limit) {
                    if (found == candidates.length) {
                        candidates = Arrays.copyOf(candidates, (int) Math.min(n, candidates.length * 3L / 2 + 16));
                    }
                    candidates[found++] = key << 31 | i;
                }
            }
            if (found >= size) {
                Arrays.sort(candidates, 0, found);
                double[] sample = new double[size];
                for (int s = 0; s < size; s++) {
                    sample[s] = values.applyAsDouble((int) (candidates[s] & 0x7FFF_FFFFL));
                }
                return sample;
            }
            fraction = Math.min(1.0, fraction * 1.5);
        }
    }
}
