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
 * A method of the generalized task arithmetic family ({@link GeneralizedTaskArithmetic}), which is its
 * {@link Sparsification}, whether it elects signs, and its default of {@code normalize}: mergekit defines these
 * methods the same way, as one {@code GeneralizedTaskArithmeticMerge} with a sparsification and a consensus method.
 *
 * <p>The schema follows from that, in one order for every method: {@code weight}, the sparsification's per-model
 * parameters, {@code normalize}, {@code rescale} (when something is sparsified), {@code lambda}, {@code int8_mask},
 * the sparsification's options, and with sign election {@code sign_election} and {@code disjoint_mean}.
 */
abstract class GeneralizedTaskArithmeticFactory extends DescribedMergeMethodFactory {

    /** How the weighted task vectors are combined. */
    enum Combination {
        /** Σ wδ over every model. */
        WEIGHTED_SUM,
        /** TIES: Σ wδ over the models that agree with the elected sign ({@link SignConsensus}). */
        SIGN_ELECTION
    }

    private final Sparsification sparsification;
    private final Combination combination;

    GeneralizedTaskArithmeticFactory(String id, String description, Sparsification sparsification,
                                     Combination combination, boolean normalizeByDefault) {
        super(id, description, schema(sparsification, combination, normalizeByDefault), capabilities(sparsification));
        this.sparsification = sparsification;
        this.combination = combination;
    }

    private static ParameterSchema schema(Sparsification sparsification, Combination combination,
                                          boolean normalizeByDefault) {
        List<ParameterSpec> specs = new ArrayList<>();
        specs.add(GtaParameters.WEIGHT_SPEC);
        specs.addAll(sparsification.perModel);
        specs.add(GtaParameters.normalize(normalizeByDefault));
        if (sparsification.rescaleByDefault != null) {
            specs.add(GtaParameters.rescale(sparsification.rescaleByDefault));
        }
        specs.add(GtaParameters.LAMBDA_SPEC);
        specs.add(GtaParameters.INT8_MASK_SPEC);
        specs.addAll(sparsification.options);
        if (combination == Combination.SIGN_ELECTION) {
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
        String id = descriptor().id();
        return new GeneralizedTaskArithmetic(descriptor(), sparsification.sparsifier(id, globalParameters),
                combination == Combination.SIGN_ELECTION ? SignConsensus.from(globalParameters) : null,
                sparsification.modelWide(globalParameters), context);
    }
}
