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
 * {@code task_arithmetic} (Ilharco et al.): base + λ·Σ_m w_m·(x_m − base), divided by Σ_m w_m when {@code normalize}
 * (default false, as mergekit).
 *
 * <p>Parameters: {@code weight} (per model, required), {@code normalize} and {@code lambda} (per tensor). Weights that
 * sum to |Σw| &lt; 1e-8 with {@code normalize} on leave the sum undivided (divisor 1, as mergekit). Without models the
 * base is returned; without a base model the merge fails with a configuration error naming the tensor. mergekit's
 * {@code density} and {@code rescale} are not offered here: task arithmetic does not sparsify.
 */
@Extension
public class TaskArithmeticMergeFactory implements MergeMethodFactory {

    static final String ID = "task_arithmetic";

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor(ID, "1.0.0",
            ExtensionKind.MERGE_METHOD,
            "Task arithmetic: base plus the weighted sum of the task vectors (model - base).",
            ParameterSchema.of(GtaParameters.WEIGHT_SPEC, GtaParameters.normalize(false), GtaParameters.LAMBDA_SPEC, GtaParameters.INT8_MASK_SPEC),
            Set.of(Capability.REQUIRES_BASE_MODEL, Capability.TASK_VECTOR_OPERATIONS));

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public MergeMethod create(Parameters globalParameters, RunContext context) {
        return new GeneralizedTaskArithmetic(DESCRIPTOR, null, null, context);
    }
}
