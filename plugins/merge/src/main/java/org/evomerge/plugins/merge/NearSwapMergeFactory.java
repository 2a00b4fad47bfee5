package org.evomerge.plugins.merge;

import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.tensor.TensorBlocks;
import org.pf4j.Extension;

/**
 * mergekit's {@code nearswap}: takes the other model's value where it is close to the base's, element by element.
 * With a the base and b the other model, w = clamp(t / max(|a − b|, 1e-6), 0, 1) and the result is
 * w·b + (1 − w)·a: elements that differ by at most t are swapped to b, larger differences move towards b by
 * t/|a − b|. t = 0 returns the base exactly.
 *
 * <p>Inputs: the base model ({@link Capability#REQUIRES_BASE_MODEL}) and exactly one other model
 * ({@link Capability#EXACTLY_TWO_MODELS}, counting the base). A tensor only the base has is returned unchanged, as
 * mergekit does; other counts are configuration errors naming the tensor. {@code t} ({@code PER_TENSOR},
 * required) must be ≥ 0 (a negative t would act as 0).
 */
@Extension
public class NearSwapMergeFactory extends StatelessMergeMethodFactory {

    static final String ID = "nearswap";
    /** Smallest |a − b| in the weight's divisor. */
    static final double MIN_DIFFERENCE = 1e-6;

    public NearSwapMergeFactory() {
        super(ID, "Swap in the other model's values where they are within t of the base's.",
                ParameterSchema.of(MergeParameters.tensorNumber("t", 0.0001, 0.0, null,
                        "similarity threshold: elements closer than t are swapped to the other model").asRequired()),
                Set.of(Capability.REQUIRES_BASE_MODEL, Capability.EXACTLY_TWO_MODELS),
                NearSwapMergeFactory::merge);
    }

    /** Element by element, so in blocks: no scan. */
    private static void merge(MergeInput input, TensorBlocks values, ModelWideStatistics statistics) {
        InputArity.requireBase(input, ID);
        if (InputArity.baseOnly(input)) {
            values.merge((block, out) -> System.arraycopy(block.base(), 0, out, 0, out.length));
            return;
        }
        InputArity.requireModels(input, ID, 1, "a base model and exactly one other model");
        double t = input.parameters().number("t");
        values.merge((block, out) -> {
            float[] a = block.base();
            float[] b = block.models()[0];
            for (int i = 0; i < out.length; i++) {
                double w = Math.clamp(t / Math.max(Math.abs((double) a[i] - b[i]), MIN_DIFFERENCE), 0.0, 1.0);
                out[i] = (float) (w * b[i] + (1 - w) * a[i]);
            }
        });
    }
}
