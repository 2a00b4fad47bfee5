package org.evomerge.plugins.merge;

import java.util.List;
import java.util.Set;
import org.evomerge.api.compute.VectorOperations;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.TensorBlocks;
import org.pf4j.Extension;

/**
 * mergekit's {@code linear} (model soups): {@code r = Σ w_m·x_m}, divided by {@code Σ w_m} when {@code normalize}
 * (the default). The weighted sum is accumulated in float32 in model order by the run's compute backend and the
 * division is done in float32, as mergekit's float32 tensors do.
 *
 * <p>Defined where mergekit has none: when {@code normalize} is on and the weights sum to (nearly) zero,
 * {@code |Σw| < 1e-8}, the divisor is 1, as the task-arithmetic family does; mergekit would return inf or NaN.
 *
 * <p>The base model plays no part (no base capability): a recipe that wants the base averaged in lists it among
 * the models with a weight. At least one model is required; one model with {@code normalize} returns it.
 */
@Extension
public class LinearMergeFactory extends DescribedMergeMethodFactory {

    static final String ID = "linear";

    public LinearMergeFactory() {
        super(ID, "Weighted average of the models (model soups), normalised by the weight sum.",
                ParameterSchema.of(
                        MergeParameters.MEAN_WEIGHT_SPEC,
                        MergeParameters.tensorFlag("normalize", true, "divide by the sum of the weights (by 1 if it is 0)")),
                Set.of());
    }

    @Override
    public MergeMethod create(Parameters globalParameters, RunContext context) {
        return new Linear(context.compute().vectors());
    }

    /** The weighted mean, block by block (it is element-wise: no scan). */
    private record Linear(VectorOperations compute) implements MergeMethod {

        @Override
        public void merge(MergeInput input, TensorBlocks values, ModelWideStatistics statistics) {
            List<InputModel> models = InputArity.requireAtLeast(input, ID, 1, "at least one model");
            float[] weights = weights(input.tensorName(), models);
            values.merge((block, out) -> mix(block.models(), weights, input.parameters(), out));
        }

        private static float[] weights(String tensorName, List<InputModel> models) {
            double[] weights = PerModelValues.numbers(tensorName, models, MergeParameters.WEIGHT, ID);
            float[] w = new float[weights.length];
            for (int m = 0; m < w.length; m++) {
                w[m] = (float) weights[m];
            }
            return w;
        }

        private void mix(float[][] values, float[] w, Parameters tensorParameters, float[] merged) {
            float sum = 0f;
            for (float weight : w) {
                sum += weight;
            }
            compute.weightedSum(values, w, merged);
            if (tensorParameters.bool("normalize")) {
                float divisor = Math.abs(sum) < MergeParameters.ZERO_WEIGHT_SUM ? 1f : sum;
                if (divisor != 1f) {
                    for (int i = 0; i < merged.length; i++) {
                        merged[i] /= divisor;
                    }
                }
            }
        }
    }
}
