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
 * {@code della_linear}: DELLA's MAGPRUNE ({@link DellaPrune}) and L1 rescale without sign consensus; the weighted sum
 * of the pruned task vectors is added to the base.
 *
 * <p>Parameters: {@code weight} (required), {@code density} (default 1), {@code epsilon} (default 0.15) per model;
 * {@code normalize} (default false), {@code rescale} (default <b>true</b>), {@code lambda} (default 1) per tensor.
 *
 * <p>Rows are along the first dimension (a 1-D tensor is one row); a single-element row has r̂ = 0.5 (mergekit: NaN).
 * density ≤ 0 zeroes a task vector; density ≥ 1 keeps it whole; otherwise density − ε ≤ 0 or density + ε ≥ 1 is a
 * configuration error naming the tensor. Weights summing to |Σw| &lt; 1e-8 with {@code normalize} leave the sum
 * undivided. A missing base model is a configuration error naming the tensor.
 */
@Extension
public class DellaLinearMergeFactory implements MergeMethodFactory {

    static final String ID = "della_linear";

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor(ID, "1.0.0",
            ExtensionKind.MERGE_METHOD, "DELLA without sign election: MAGPRUNE, L1 rescale, weighted sum.",
            ParameterSchema.of(GtaParameters.WEIGHT_SPEC, GtaParameters.DENSITY_SPEC, GtaParameters.EPSILON_SPEC,
                    GtaParameters.normalize(false), GtaParameters.rescale(true), GtaParameters.LAMBDA_SPEC, GtaParameters.INT8_MASK_SPEC),
            Set.of(Capability.REQUIRES_BASE_MODEL, Capability.RANDOMIZED, Capability.TASK_VECTOR_OPERATIONS));

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public MergeMethod create(Parameters globalParameters, RunContext context) {
        return new GeneralizedTaskArithmetic(DESCRIPTOR, new DellaPrune(ID), null, context);
    }
}
