package org.evomerge.plugins.merge;

import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.parameter.ParameterSchema;
import org.pf4j.Extension;

/** mergekit's {@code ramplus_tl}: {@link ReinforcedAgentMerge} with each model's unique changes amplified. */
@Extension
public class RamPlusMergeFactory extends StatelessMergeMethodFactory {

    static final String ID = "ramplus_tl";

    public RamPlusMergeFactory() {
        super(ID, "RAM+ (tensor-local): RAM with each model's unique changes amplified by how much of it is shared.",
                ParameterSchema.of(
                        MergeParameters.tensorNumber("r", 0.1, 0.0, null, "amplification rate of unique changes"),
                        MergeParameters.tensorNumber("alpha", 0.2, 0.0, null,
                                "upper clip of the shared-to-unique ratio"),
                        RamMergeFactory.epsilon()),
                Set.of(Capability.REQUIRES_BASE_MODEL),
                ReinforcedAgentMerge::ramPlus);
    }
}
