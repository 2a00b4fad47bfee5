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
 * {@code dare_ties} (DARE, Yu et al., with TIES sign consensus): drop each task-vector element at random, keeping it
 * with probability {@code density} ({@link DareDrop}), rescale the survivors, then elect signs and combine the agreeing
 * weighted deltas ({@link SignConsensus}).
 *
 * <p>Parameters: {@code weight} (required), {@code density} (default 1) per model; {@code normalize} (default false),
 * {@code rescale} (default <b>true</b>), {@code lambda} (default 1) per tensor; globally {@code dare_rescale}
 * ({@code l1}: preserve each task vector's L1 norm, mergekit, default | {@code inverse_density}: divide by density,
 * DARE paper), {@code sign_election} ({@code sum}|{@code count}) and {@code disjoint_mean}
 * ({@code weighted}|{@code count}).
 *
 * <p>Randomness: model m's element i is kept iff {@code input.random().fork(m).uniform(i) < density}, so results
 * depend only on the seed, never on threads. density 0 zeroes a task vector (no NaN); an element where no model
 * agrees keeps the base value; a divisor below 1e-8 in magnitude counts as 1. A missing base model is a configuration
 * error naming the tensor.
 */
@Extension
public class DareTiesMergeFactory implements MergeMethodFactory {

    static final String ID = "dare_ties";

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor(ID, "1.0.0",
            ExtensionKind.MERGE_METHOD,
            "DARE-TIES: randomly dropped and rescaled task vectors, sign election, sum of the agreeing deltas.",
            ParameterSchema.of(GtaParameters.WEIGHT_SPEC, GtaParameters.DENSITY_SPEC, GtaParameters.normalize(false),
                    GtaParameters.rescale(true), GtaParameters.LAMBDA_SPEC, GtaParameters.INT8_MASK_SPEC, DareDrop.OPTION_SPEC,
                    SignConsensus.ELECTION_SPEC, SignConsensus.MEAN_SPEC),
            Set.of(Capability.REQUIRES_BASE_MODEL, Capability.RANDOMIZED, Capability.TASK_VECTOR_OPERATIONS));

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public MergeMethod create(Parameters globalParameters, RunContext context) {
        return new GeneralizedTaskArithmetic(DESCRIPTOR, DareDrop.from(globalParameters),
                SignConsensus.from(globalParameters), context);
    }
}
