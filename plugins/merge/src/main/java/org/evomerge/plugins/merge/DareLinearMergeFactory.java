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
 * {@code dare_linear} (DARE, Yu et al.): drop each task-vector element at random, keeping it with probability
 * {@code density} ({@link DareDrop}), rescale the survivors, and add the weighted sum to the base.
 *
 * <p>Parameters: {@code weight} (required), {@code density} (default 1) per model; {@code normalize} (default false),
 * {@code rescale} (default <b>true</b>), {@code lambda} (default 1) per tensor; globally {@code dare_rescale}
 * ({@code l1}: preserve each task vector's L1 norm, mergekit, default | {@code inverse_density}: divide by density,
 * DARE paper).
 *
 * <p>Randomness: model m's element i is kept iff {@code input.random().fork(m).uniform(i) < density}. density 1 is
 * task arithmetic; density 0 zeroes a task vector (no NaN); weights summing to |Σw| &lt; 1e-8 with {@code normalize}
 * leave the sum undivided. A missing base model is a configuration error naming the tensor.
 */
@Extension
public class DareLinearMergeFactory implements MergeMethodFactory {

    static final String ID = "dare_linear";

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor(ID, "1.0.0",
            ExtensionKind.MERGE_METHOD, "DARE: randomly dropped and rescaled task vectors, weighted sum.",
            ParameterSchema.of(GtaParameters.WEIGHT_SPEC, GtaParameters.DENSITY_SPEC, GtaParameters.normalize(false),
                    GtaParameters.rescale(true), GtaParameters.LAMBDA_SPEC, GtaParameters.INT8_MASK_SPEC, DareDrop.OPTION_SPEC),
            Set.of(Capability.REQUIRES_BASE_MODEL, Capability.RANDOMIZED, Capability.TASK_VECTOR_OPERATIONS));

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public MergeMethod create(Parameters globalParameters, RunContext context) {
        return new GeneralizedTaskArithmetic(DESCRIPTOR, DareDrop.from(globalParameters), null,
                context);
    }
}
