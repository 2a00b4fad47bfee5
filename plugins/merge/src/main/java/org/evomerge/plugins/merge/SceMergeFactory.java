package org.evomerge.plugins.merge;

import java.util.Arrays;
import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.pf4j.Extension;

/**
 * mergekit's {@code sce} (Select, Calculate, Erase; FuseChat 2.0), on the task vectors δ_m = x_m − base:
 * <ol>
 *   <li><b>Select</b> ({@code select_topk} τ &lt; 1): the population variance of δ across models at each position;
 *       k = ⌊(number of non-zero variances)·τ⌋; every model keeps the k highest-variance positions and is zeroed
 *       elsewhere (k = 0, or τ = 0, zeroes everything). Equal variances at the cut are kept in index order, so the
 *       result is deterministic (mergekit's {@code topk} leaves that order unspecified).</li>
 *   <li><b>Calculate</b>: w_m = mean(δ_m²) / Σ_m mean(δ_m²), or 1/M each when that total is below 1e-6.</li>
 *   <li><b>Erase</b>: TIES "sum" sign election, elected sign + where Σ_m δ_m ≥ 0, − otherwise; a model takes part
 *       at a position only if its δ has the elected sign (zeros never do).</li>
 *   <li>Result: base + Σ_m w_m·mask_m·δ_m / max(Σ_m w_m·mask_m, 1e-6).</li>
 * </ol>
 * Computed in double from the float32 inputs without copying the task vectors; the variance (when τ &lt; 1) is kept
 * in float32, as mergekit does. There is no per-model weight. {@code int8_mask} is accepted so mergekit recipes
 * validate; it only saves memory in mergekit and has no effect here. A tensor only the base has is returned unchanged.
 */
@Extension
public class SceMergeFactory extends StatelessMergeMethodFactory {

    static final String ID = "sce";
    /** Below this total the model weights are uniform. */
    static final double ZERO_WEIGHT_SUM = 1e-6;
    /** Smallest divisor of the erased weighted sum. */
    static final double MIN_DIVISOR = 1e-6;

    public SceMergeFactory() {
        super(ID, "SCE: keep high-variance positions, weight task vectors by their energy, erase minority signs.",
                ParameterSchema.of(
                        MergeParameters.tensorNumber("select_topk", 1.0, 0.0, 1.0,
                                "fraction of the positions with non-zero variance across models to keep"),
                        ParameterSpec.bool("int8_mask", false, "accepted for mergekit recipes; no effect in evomerge")),
                Set.of(Capability.REQUIRES_BASE_MODEL),
                (WholeTensorMethod) SceMergeFactory::merge);
    }

    private static void merge(MergeInput input, float[][] x, float[] base, ModelWideStatistics statistics,
                              float[] out) {
        InputArity.requireBase(input, ID);
        int count = x.length;
        int n = out.length;
        boolean[] selected = select(x, base, input.parameters().number("select_topk"));

        double[] weights = new double[count];
        for (int k = 0; k < n; k++) {
            if (selected == null || selected[k]) {
                for (int m = 0; m < count; m++) {
                    double d = (double) x[m][k] - base[k];
                    weights[m] += d * d;
                }
            }
        }
        double total = 0;
        for (int m = 0; m < count; m++) {
            weights[m] /= n;
            total += weights[m];
        }
        for (int m = 0; m < count; m++) {
            weights[m] = Math.abs(total) < ZERO_WEIGHT_SUM ? 1.0 / count : weights[m] / total;
        }

        for (int k = 0; k < n; k++) {
            if (selected != null && !selected[k]) {
                out[k] = base[k];
                continue;
            }
            double sum = 0;
            for (int m = 0; m < count; m++) {
                sum += (double) x[m][k] - base[k];
            }
            boolean positive = sum >= 0;
            double numerator = 0;
            double divisor = 0;
            for (int m = 0; m < count; m++) {
                double d = (double) x[m][k] - base[k];
                if (positive ? d > 0 : d < 0) {
                    numerator += weights[m] * d;
                    divisor += weights[m];
                }
            }
            out[k] = (float) (base[k] + numerator / Math.max(divisor, MIN_DIVISOR));
        }
    }

    /**
     * The positions every model keeps, or null when τ ≥ 1 keeps all of them: the k = ⌊nonzero·τ⌋ positions with the
     * highest variance of δ across models, ties at the cut broken by index.
     */
    static boolean[] select(float[][] x, float[] base, double tau) {
        if (tau >= 1) {
            return null;
        }
        int n = base.length;
        boolean[] selected = new boolean[n];
        if (tau <= 0) {
            return selected;
        }
        int count = x.length;
        float[] variance = new float[n];
        int nonzero = 0;
        for (int k = 0; k < n; k++) {
            double mean = 0;
            for (float[] model : x) {
                mean += (double) model[k] - base[k];
            }
            mean /= count;
            double v = 0;
            for (float[] model : x) {
                double d = (double) model[k] - base[k] - mean;
                v += d * d;
            }
            variance[k] = (float) (v / count);
            if (variance[k] != 0) {
                nonzero++;
            }
        }
        int keep = (int) (nonzero * tau);
        if (keep == 0) {
            return selected;
        }
        float[] sorted = variance.clone();
        Arrays.sort(sorted);
        float cut = sorted[n - keep];
        int taken = 0;
        for (int k = 0; k < n; k++) {
            if (variance[k] > cut) {
                selected[k] = true;
                taken++;
            }
        }
        for (int k = 0; k < n && taken < keep; k++) {
            if (variance[k] == cut) {
                selected[k] = true;
                taken++;
            }
        }
        return selected;
    }
}
