package org.evomerge.plugins.merge;

import java.util.List;
import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.plugins.merge.SphericalInterpolation.VectorLayout;
import org.pf4j.Extension;

/**
 * mergekit's {@code nuslerp}: SLERP of exactly two models with the factor given by their weights,
 * {@code t = w2 / (w1 + w2)} ({@code t = 0.5} when {@code |w1 + w2| < 1e-6}; negative weights are allowed). With a
 * base model (distinct from both, passed in {@code input.base()}) it interpolates the task vectors:
 * {@code base + nuslerp(t, x1 − base, x2 − base)}. See
 * {@code SphericalInterpolation.nuslerp} for the per-vector rule.
 *
 * <p>{@code nuslerp_flatten} (default true) treats the whole tensor as one vector. Otherwise, as mergekit's code
 * does, each slice along the last dimension (each row of a matrix) is interpolated separately, or each slice along
 * the first dimension (each column) when {@code nuslerp_row_wise} is true. A tensor only one input has is returned
 * unchanged; any other count than two models is a configuration error naming the tensor.
 */
@Extension
public class NuSlerpMergeFactory extends StatelessMergeMethodFactory {

    static final String ID = "nuslerp";
    /** Below this |w1 + w2| the interpolation factor is 0.5. */
    static final double ZERO_WEIGHT_SUM = 1e-6;

    public NuSlerpMergeFactory() {
        super(ID, "SLERP of two models weighted by their weights, optionally of their task vectors from a base model.",
                ParameterSchema.of(
                        MergeParameters.weight("the model's weight; t = w2 / (w1 + w2)"),
                        MergeParameters.tensorFlag("nuslerp_flatten", true, "interpolate each tensor as one flat vector"),
                        MergeParameters.tensorFlag("nuslerp_row_wise", false,
                                "without flattening: interpolate slices along the first dimension instead of the last")),
                Set.of(Capability.ACCEPTS_BASE_MODEL, Capability.EXACTLY_TWO_MODELS),
                (WholeTensorMethod) NuSlerpMergeFactory::merge);
    }

    private static void merge(MergeInput input, float[][] values, float[] base, ModelWideStatistics statistics,
                              float[] out) {
        if (InputArity.loneTensor(input)) {
            System.arraycopy(values.length == 1 ? values[0] : base, 0, out, 0, out.length);
            return;
        }
        List<InputModel> models = InputArity.requireModels(input, ID, 2,
                "exactly two models (plus an optional, distinct base model)");
        double[] w = PerModelValues.numbers(input.tensorName(), models, MergeParameters.WEIGHT, ID);
        double sum = w[0] + w[1];
        double t = Math.abs(sum) < ZERO_WEIGHT_SUM ? 0.5 : w[1] / sum;
        Parameters p = input.parameters();
        int n = out.length;
        long[] dims = input.shape().dims();
        VectorLayout layout = p.bool("nuslerp_flatten") ? VectorLayout.flat(n)
                : p.bool("nuslerp_row_wise") ? VectorLayout.alongFirstDimension(dims, n)
                : VectorLayout.alongLastDimension(dims, n);
        SphericalInterpolation.nuslerp(t, values[0], values[1], base, layout, out);
    }
}
