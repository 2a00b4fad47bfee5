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
 * {@code breadcrumbs_ties}: Model Breadcrumbs trimming ({@link BreadcrumbsTrim}) followed by the TIES sign consensus
 * ({@link SignConsensus}).
 *
 * <p>Parameters: {@code weight} (required), {@code density} (default 1), {@code gamma} (default 0.01) per model;
 * {@code normalize} (default false), {@code rescale} (default false), {@code lambda} (default 1) per tensor;
 * {@code sign_election} ({@code sum}|{@code count}) and {@code disjoint_mean} ({@code weighted}|{@code count})
 * globally, mergekit's behaviour by default.
 *
 * <p>Defined where mergekit is not: when ⌊gamma·n⌋ = 0 the ⌊density·n⌋ largest elements are kept (mergekit zeroes
 * the tensor); ties are broken by index; an element where no model agrees keeps the base value; a divisor below 1e-8
 * in magnitude counts as 1. A missing base model is a configuration error naming the tensor.
 */
@Extension
public class BreadcrumbsTiesMergeFactory implements MergeMethodFactory {

    static final String ID = "breadcrumbs_ties";

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor(ID, "1.0.0",
            ExtensionKind.MERGE_METHOD,
            "Model Breadcrumbs trimming with TIES sign election.",
            ParameterSchema.of(GtaParameters.WEIGHT_SPEC, GtaParameters.DENSITY_SPEC, GtaParameters.GAMMA_SPEC,
                    GtaParameters.normalize(false), GtaParameters.rescale(false), GtaParameters.LAMBDA_SPEC,
                    GtaParameters.INT8_MASK_SPEC, ModelWideTrim.SCOPE_SPEC,
                    SignConsensus.ELECTION_SPEC, SignConsensus.MEAN_SPEC),
            Set.of(Capability.REQUIRES_BASE_MODEL, Capability.MODEL_WIDE_PASS, Capability.TASK_VECTOR_OPERATIONS));

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public MergeMethod create(Parameters globalParameters, RunContext context) {
        return new GeneralizedTaskArithmetic(DESCRIPTOR, new BreadcrumbsTrim(), SignConsensus.from(globalParameters),
                ModelWideTrim.from(globalParameters, ModelWideTrim.BREADCRUMBS), context);
    }
}
