package org.evomerge.plugins.merge;

import java.util.List;
import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.parameter.ParameterSchema;
import org.pf4j.Extension;

/**
 * mergekit's {@code multislerp}: barycentric interpolation of n ≥ 2 models on the hypersphere, of their task
 * vectors {@code δ_i = x_i − base} when a base model is given (which is added back), else of the models themselves.
 * With weights w (divided by Σw when {@code normalize_weights}), ε = {@code eps}:
 * <ol>
 *   <li>u_i = δ_i / (‖δ_i‖ + ε);  m = Σ w_i·u_i;</li>
 *   <li>if ‖m‖ < ε: with two models the result is the linear mix Σ w_i·δ_i; otherwise an error;</li>
 *   <li>m̂ = m/‖m‖; tangent vectors τ_i = u_i − ⟨u_i, m̂⟩·m̂ and τ = Σ w_i·τ_i;</li>
 *   <li>r = m̂·cos(‖τ‖+ε) + τ·sin(‖τ‖+ε)/(‖τ‖+ε), rescaled by Σ w_i·‖δ_i‖.</li>
 * </ol>
 * Because the tangent space is taken at the weighted mean itself, τ = m − ⟨m, m̂⟩·m̂ = 0 identically; evomerge
 * evaluates the exponential map at τ = 0 exactly (r = m̂·cos ε) instead of on float rounding noise, which differs
 * from mergekit's float32 result only at the rounding level. Everything is computed in double without copies of the
 * inputs (three passes over the tensors).
 *
 * <p>Defined where mergekit has none: weights summing to (nearly) zero ({@code |Σw| < 1e-8}) with
 * {@code normalize_weights} are divided by 1 instead of producing inf/NaN; when every δ_i has a norm below ε (all
 * models equal the base, e.g. frozen layers) the result is the linear mix, i.e. the base, where mergekit raises an
 * error. With ‖m‖ < ε otherwise (weighted antipodal vectors cancelling) and n > 2 the merge fails with a
 * configuration error naming the tensor, as mergekit does. One model alone is returned unchanged.
 */
@Extension
public class MultiSlerpMergeFactory extends StatelessMergeMethodFactory {

    static final String ID = "multislerp";

    public MultiSlerpMergeFactory() {
        super(ID, "Barycentric SLERP of two or more models on the hypersphere (of task vectors with a base model).",
                ParameterSchema.of(
                        MergeParameters.MEAN_WEIGHT_SPEC,
                        MergeParameters.tensorFlag("normalize_weights", true, "divide the weights by their sum"),
                        MergeParameters.tensorNumber("eps", 1e-8, 1e-30, 1.0, "small constant for numerical stability")),
                Set.of(Capability.ACCEPTS_BASE_MODEL),
                (WholeTensorMethod) MultiSlerpMergeFactory::merge);
    }

    private static void merge(MergeInput input, float[][] x, float[] base, ModelWideStatistics statistics,
                              float[] out) {
        List<InputModel> models = InputArity.requireAtLeast(input, ID, 1, "at least one model");
        if (models.size() == 1) {
            System.arraycopy(x[0], 0, out, 0, out.length);
            return;
        }
        double eps = input.parameters().number("eps");
        double[] w = PerModelValues.numbers(input.tensorName(), models, MergeParameters.WEIGHT, ID);
        if (input.parameters().bool("normalize_weights")) {
            double sum = 0;
            for (double v : w) {
                sum += v;
            }
            double divisor = Math.abs(sum) < MergeParameters.ZERO_WEIGHT_SUM ? 1.0 : sum;
            for (int i = 0; i < w.length; i++) {
                w[i] /= divisor;
            }
        }
        int count = models.size();
        int n = out.length;

        // Pass 1: the norms of the (task) vectors.
        double[] norms = new double[count];
        for (int k = 0; k < n; k++) {
            double b = base == null ? 0 : base[k];
            for (int i = 0; i < count; i++) {
                double d = x[i][k] - b;
                norms[i] += d * d;
            }
        }
        boolean allTiny = true;
        double[] c = new double[count];
        double avgNorm = 0;
        for (int i = 0; i < count; i++) {
            norms[i] = Math.sqrt(norms[i]);
            allTiny &= norms[i] < eps;
            c[i] = w[i] / (norms[i] + eps);
            avgNorm += w[i] * norms[i];
        }
        // Pass 2: ‖m‖ with m = Σ c_i·δ_i = Σ w_i·u_i, computed element by element.
        double meanNormSq = 0;
        for (int k = 0; k < n; k++) {
            double mk = combine(x, base, c, k);
            meanNormSq += mk * mk;
        }
        double meanNorm = Math.sqrt(meanNormSq);
        if (meanNorm < eps) {
            if (count != 2 && !allTiny) {
                throw InputArity.error(input, ID, "cannot interpolate: the weighted mean of the unit vectors is zero "
                        + "(antipodal vectors whose weights cancel); change the weights");
            }
            // Linear mix of the (task) vectors.
            for (int k = 0; k < n; k++) {
                out[k] = (float) ((base == null ? 0 : (double) base[k]) + combine(x, base, w, k));
            }
            return;
        }
        // τ = 0, so the exponential map gives m̂·cos(ε); rescale by the weighted norm.
        double scale = avgNorm * Math.cos(eps) / meanNorm;
        for (int k = 0; k < n; k++) {
            double r = scale * combine(x, base, c, k);
            out[k] = (float) (base == null ? r : base[k] + r);
        }
    }

    /** Σ_i c_i·(x_i[k] − base[k]). */
    private static double combine(float[][] x, float[] base, double[] c, int k) {
        double b = base == null ? 0 : base[k];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += c[i] * (x[i][k] - b);
        }
        return sum;
    }
}
