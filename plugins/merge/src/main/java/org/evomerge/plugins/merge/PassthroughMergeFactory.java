package org.evomerge.plugins.merge;

import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.ModelWideStatistics;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.tensor.TensorBlocks;
import org.pf4j.Extension;

/**
 * mergekit's {@code passthrough}: copies the one input tensor, multiplied by that model's {@code scale}
 * ({@code PER_MODEL}, default 1, e.g. a conditional {@code {filter: down_proj, value: 0.5}}). Used with slices to
 * stack or pick layers (frankenmerges), hence {@link Capability#LAYER_STACKING}. The product is float32 times the
 * scale rounded to float32, as mergekit's tensors compute it; scale 1 returns the input exactly.
 *
 * <p>Exactly one input (a model, or the base when the recipe's only source is the base model) is required; any other
 * count is a configuration error naming the tensor.
 */
@Extension
public class PassthroughMergeFactory extends StatelessMergeMethodFactory {

    static final String ID = "passthrough";

    public PassthroughMergeFactory() {
        super(ID, "Copy one model's tensor, optionally scaled (layer stacking with slices).",
                ParameterSchema.of(ParameterSpec.number("scale", 1.0, null, null, "multiplier of the tensor")
                        .withScope(ParameterScope.PER_MODEL)),
                Set.of(Capability.LAYER_STACKING),
                PassthroughMergeFactory::merge);
    }

    /** Element by element, so in blocks: no scan. */
    private static void merge(MergeInput input, TensorBlocks values, ModelWideStatistics statistics) {
        int count = input.models().size() + (input.base().isPresent() ? 1 : 0);
        if (count != 1) {
            throw InputArity.error(input, ID, "expects exactly one input tensor, got " + input.models().size()
                    + (input.models().size() == 1 ? " model" : " models")
                    + (input.base().isPresent() ? " and a base model" : ""));
        }
        boolean fromBase = input.models().isEmpty();
        InputModel only = fromBase ? input.base().orElseThrow() : input.models().getFirst();
        float scale = only.parameters().has("scale") ? (float) only.parameters().number("scale") : 1f;
        values.merge((block, out) -> {
            float[] in = fromBase ? block.base() : block.models()[0];
            for (int i = 0; i < out.length; i++) {
                out[i] = in[i] * scale;
            }
        });
    }
}
