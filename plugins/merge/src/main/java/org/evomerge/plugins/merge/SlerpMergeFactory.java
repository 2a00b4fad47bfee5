package org.evomerge.plugins.merge;

import java.util.Set;
import org.evomerge.api.compute.VectorOperations;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.TensorBlocks;
import org.pf4j.Extension;

/**
 * mergekit's {@code slerp}: spherical interpolation between the base model (the t = 0 end) and one other model
 * (the t = 1 end), each tensor treated as one flat vector; see
 * {@code SphericalInterpolation.slerpCoefficients} for the exact rule (lerp when
 * |cos θ| > 0.9995, weights applied to the un-normalised tensors). Norms, the dot product and the angle are computed
 * in double.
 *
 * <p>Inputs: {@code input.base()} is the t = 0 end and {@code models()} holds exactly one model, the t = 1 end; the
 * method therefore declares {@link Capability#REQUIRES_BASE_MODEL} and {@link Capability#EXACTLY_TWO_MODELS} (two
 * models counting the base, as in mergekit's recipes). A tensor that only the base has is returned unchanged, as
 * mergekit does; a missing base or any other number of models is a configuration error naming the tensor.
 * {@code t} ({@code PER_TENSOR}, required, usually a gradient over layers) is not bounded: values outside [0, 1]
 * extrapolate as mergekit's formula does.
 */
@Extension
public class SlerpMergeFactory extends DescribedMergeMethodFactory {

    static final String ID = "slerp";

    public SlerpMergeFactory() {
        super(ID, "Spherical interpolation from the base model (t = 0) to one other model (t = 1).",
                ParameterSchema.of(MergeParameters.tensorNumber("t", 0.5, null, null,
                        "interpolation factor: 0 gives the base model, 1 the other model").asRequired()),
                Set.of(Capability.REQUIRES_BASE_MODEL, Capability.EXACTLY_TWO_MODELS));
    }

    @Override
    public MergeMethod create(Parameters globalParameters, RunContext context) {
        return new Slerp(context.compute().vectors());
    }

    /** SLERP in blocks: one scan for the norms and the dot product, then the combination block by block. */
    private record Slerp(VectorOperations compute) implements MergeMethod {

        @Override
        public void merge(MergeInput input, TensorBlocks values, ModelWideStatistics statistics) {
            InputArity.requireBase(input, ID);
            if (input.models().isEmpty()) {
                values.merge((block, out) -> System.arraycopy(block.base(), 0, out, 0, out.length));
                return;
            }
            InputArity.requireModels(input, ID, 1, "a base model and exactly one other model");
            double[] sums = new double[3]; // Σ base², Σ other², Σ base·other
            values.scan(0, block -> {
                float[] other = block.models()[0];
                sums[0] += compute.sumOfSquares(block.base());
                sums[1] += compute.sumOfSquares(other);
                sums[2] += compute.dot(block.base(), other);
                return true;
            });
            double[] c = SphericalInterpolation.slerpCoefficients(input.parameters().number("t"), sums[0], sums[1],
                    sums[2]);
            values.merge((block, out) -> compute.linearCombination(block.base(), c[0], block.models()[0], c[1], out));
        }
    }
}
