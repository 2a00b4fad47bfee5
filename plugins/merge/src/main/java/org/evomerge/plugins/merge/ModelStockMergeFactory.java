package org.evomerge.plugins.merge;

import java.util.Arrays;
import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.parameter.ParameterSchema;
import org.pf4j.Extension;

/**
 * mergekit's {@code model_stock} (Model Stock, Jang et al. 2024): with the base w_0 and N ≥ 2 fine-tuned models w_i,
 * offsets o_i = w_i − w_0 (over the whole tensor, or per slice along the last dimension, i.e. per row, when
 * {@code filter_wise}; a 1-D tensor is one row),
 * <ul>
 *   <li>cos θ = mean over pairs i &lt; j of clamp(⟨o_i, o_j⟩ / max(‖o_i‖·‖o_j‖, 1e-6), −1, 1),</li>
 *   <li>t = N·cos θ / (1 + (N−1)·cos θ),</li>
 *   <li>result = t·mean(w_i) + (1−t)·w_0.</li>
 * </ul>
 * Norms and dot products are computed in double. There is no per-model weight.
 *
 * <p>Defined where mergekit has none: when the denominator 1 + (N−1)·cos θ is (nearly) zero, |·| < 1e-8 (cos θ =
 * −1/(N−1)), t = 0 and the result is the base. Fewer than two models is a configuration error naming the tensor
 * (mergekit's "requires at least 3 models"), except a tensor that only the base has, which is returned unchanged as
 * mergekit does. With two models the result does not depend on their order.
 */
@Extension
public class ModelStockMergeFactory extends StatelessMergeMethodFactory {

    static final String ID = "model_stock";
    /** Smallest product of offset norms in the cosine. */
    static final double MIN_NORM_PRODUCT = 1e-6;
    /** Below this |1 + (N−1)·cos θ| the interpolation factor is 0. */
    static final double DEGENERATE_DENOMINATOR = 1e-8;

    public ModelStockMergeFactory() {
        super(ID,
                "Model Stock: move from the base towards the models' average by a factor set by their offsets' angle.",
                ParameterSchema.of(MergeParameters.tensorFlag("filter_wise", false,
                        "compute the angle and factor per row (slice along the last dimension) instead of per tensor")),
                Set.of(Capability.REQUIRES_BASE_MODEL),
                (WholeTensorMethod) ModelStockMergeFactory::merge);
    }

    private static void merge(MergeInput input, float[][] x, float[] base, ModelWideStatistics statistics,
                              float[] out) {
        InputArity.requireBase(input, ID);
        int count = InputArity.requireAtLeast(input, ID, 2, "a base model and at least two other models").size();
        int n = out.length;
        long[] dims = input.shape().dims();
        int rowLength = input.parameters().bool("filter_wise") && dims.length > 0 ? (int) dims[dims.length - 1] : n;
        if (rowLength == 0) {
            return; // no element
        }
        double[][] dots = new double[count][count];
        for (int start = 0; start < n; start += rowLength) {
            for (double[] row : dots) {
                Arrays.fill(row, 0);
            }
            for (int k = start; k < start + rowLength; k++) {
                for (int i = 0; i < count; i++) {
                    double oi = (double) x[i][k] - base[k];
                    for (int j = i; j < count; j++) {
                        dots[i][j] += oi * ((double) x[j][k] - base[k]);
                    }
                }
            }
            double t = interpolationFactor(dots, count);
            for (int k = start; k < start + rowLength; k++) {
                double sum = 0;
                for (int i = 0; i < count; i++) {
                    sum += x[i][k];
                }
                out[k] = (float) (t * (sum / count) + (1 - t) * base[k]);
            }
        }
    }

    /** t from the upper triangle of the offsets' Gram matrix (diagonal = squared norms). */
    static double interpolationFactor(double[][] dots, int count) {
        double cosSum = 0;
        int pairs = 0;
        for (int i = 0; i < count; i++) {
            for (int j = i + 1; j < count; j++) {
                double normProduct = Math.sqrt(dots[i][i]) * Math.sqrt(dots[j][j]);
                cosSum += Math.clamp(dots[i][j] / Math.max(normProduct, MIN_NORM_PRODUCT), -1.0, 1.0);
                pairs++;
            }
        }
        double cos = cosSum / pairs;
        double denominator = 1 + (count - 1) * cos;
        if (Math.abs(denominator) < DEGENERATE_DENOMINATOR) {
            return 0;
        }
        return count * cos / denominator;
    }
}
