package org.evomerge.plugins.merge;

import java.util.Set;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;

/**
 * {@code ties} (TIES-Merging, Yadav et al.): trim each task vector to its ⌊density·n⌋ largest-magnitude elements per
 * tensor ({@link MagnitudeTrim}), elect a sign per element, and average the agreeing weighted deltas
 * ({@link SignConsensus}).
 *
 * <p>Parameters: {@code weight} (required), {@code density} (default 1) per model; {@code normalize} (default
 * <b>true</b>), {@code rescale} (default false: L1 rescale of the trimmed vectors), {@code lambda} (default 1) per
 * tensor; {@code sign_election} ({@code sum}|{@code count}) and {@code disjoint_mean} ({@code weighted}|{@code count})
 * globally, mergekit's behaviour by default.
 *
 * <p>Defined where mergekit is not: k = 0 makes that model's task vector zero (mergekit asserts); among equal
 * magnitudes the lower index is kept, so exactly k elements survive; an element where no model agrees keeps the base
 * value; a divisor below 1e-8 in magnitude counts as 1. Trimming is per tensor, as in mergekit; {@code trim_scope:
 * model} trims over the whole model as the TIES paper does ({@link ModelWideTrim}). A missing base model is a configuration error naming the tensor.
 */
@Extension
public class TiesMergeFactory implements MergeMethodFactory {

    static final String ID = "ties";

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor(ID, "1.0.0",
            ExtensionKind.MERGE_METHOD,
            "TIES: magnitude-trimmed task vectors, sign election, mean of the agreeing deltas.",
            ParameterSchema.of(GtaParameters.WEIGHT_SPEC, GtaParameters.DENSITY_SPEC, GtaParameters.normalize(true),
                    GtaParameters.rescale(false), GtaParameters.LAMBDA_SPEC,
                    GtaParameters.INT8_MASK_SPEC, ModelWideTrim.SCOPE_SPEC, SignConsensus.ELECTION_SPEC,
                    SignConsensus.MEAN_SPEC),
            Set.of(Capability.REQUIRES_BASE_MODEL, Capability.MODEL_WIDE_PASS, Capability.TASK_VECTOR_OPERATIONS));

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public MergeMethod create(Parameters globalParameters, RunContext context) {
        return new GeneralizedTaskArithmetic(DESCRIPTOR, new MagnitudeTrim(), SignConsensus.from(globalParameters),
                ModelWideTrim.from(globalParameters, ModelWideTrim.TIES), context);
    }
}
