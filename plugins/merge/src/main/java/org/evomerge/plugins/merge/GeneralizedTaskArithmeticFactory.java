package org.evomerge.plugins.merge;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;

/**
 * The factory of a method of the generalized task arithmetic family ({@link GeneralizedTaskArithmetic}), built from
 * the method's row of {@link GtaMethod}.
 *
 * <p>The schema follows from that, in one order for every method: {@code weight}, the sparsification's per-model
 * parameters, {@code normalize}, {@code rescale} (when something is sparsified), {@code lambda}, {@code int8_mask},
 * the sparsification's options, and with sign election {@code sign_election} and {@code disjoint_mean}.
 */
abstract class GeneralizedTaskArithmeticFactory extends DescribedMergeMethodFactory {

    private final GtaMethod method;

    GeneralizedTaskArithmeticFactory(GtaMethod method) {
        super(method.id, method.description, schema(method), capabilities(method.sparsification));
        this.method = method;
    }

    private static ParameterSchema schema(GtaMethod method) {
        Sparsification sparsification = method.sparsification;
        List<ParameterSpec> specs = new ArrayList<>();
        specs.add(MergeParameters.WEIGHT_SPEC);
        specs.addAll(sparsification.perModel);
        specs.add(MergeParameters.normalize(method.normalizeByDefault));
        if (sparsification.rescaleByDefault != null) {
            specs.add(MergeParameters.rescale(sparsification.rescaleByDefault));
        }
        specs.add(MergeParameters.LAMBDA_SPEC);
        specs.add(MergeParameters.INT8_MASK_SPEC);
        specs.addAll(sparsification.options);
        if (method.combination == GtaMethod.Combination.SIGN_ELECTION) {
            specs.add(SignConsensus.ELECTION_SPEC);
            specs.add(SignConsensus.MEAN_SPEC);
        }
        return new ParameterSchema(specs);
    }

    private static Set<Capability> capabilities(Sparsification sparsification) {
        Set<Capability> capabilities = EnumSet.of(Capability.REQUIRES_BASE_MODEL, Capability.TASK_VECTOR_OPERATIONS);
        capabilities.addAll(sparsification.capabilities);
        return Set.copyOf(capabilities);
    }

    @Override
    public MergeMethod create(Parameters globalParameters, RunContext context) {
        Sparsification sparsification = method.sparsification;
        return new GeneralizedTaskArithmetic(descriptor(), sparsification.sparsifier(method.id, globalParameters),
                method.combination == GtaMethod.Combination.SIGN_ELECTION ? SignConsensus.from(globalParameters) : null,
                sparsification.modelWide(globalParameters), context);
    }
}
