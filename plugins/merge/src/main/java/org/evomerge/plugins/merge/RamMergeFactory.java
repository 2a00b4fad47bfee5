package org.evomerge.plugins.merge;

import java.util.Set;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.pf4j.Extension;

/** mergekit's {@code ram}: {@link ReinforcedAgentMerge}, without amplification. */
@Extension
public class RamMergeFactory extends StatelessMergeMethodFactory {

    static final String ID = "ram";

    public RamMergeFactory() {
        super(ID, "Reinforced Agent Merging: unique changes kept whole, shared changes averaged over the models"
                        + " that made them.",
                ParameterSchema.of(epsilon()),
                Set.of(Capability.REQUIRES_BASE_MODEL),
                ReinforcedAgentMerge::ram);
    }

    /** The activity threshold both RAM methods share. */
    static ParameterSpec epsilon() {
        return MergeParameters.tensorNumber("epsilon", 1e-5, 0.0, null,
                "a model changes a position when its |task vector| there is above epsilon");
    }
}
