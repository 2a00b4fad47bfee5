package org.evomerge.plugins.merge;

import java.util.List;
import java.util.Locale;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;

/**
 * The TIES sign consensus (step 5 of ALGORITHMS.md B.7) and the two choices on which the reference implementations
 * disagree, exposed as {@code GLOBAL} options of every consensus method ({@code ties}, {@code dare_ties},
 * {@code breadcrumbs_ties}, {@code della}):
 *
 * <ul>
 *   <li>{@code sign_election}: {@code sum} (mergekit, default) elects the sign of Σ_m w_m·δ_m, with a sum of exactly
 *       0 electing +; {@code count} elects the majority of the signs of the non-zero weighted deltas, a tie electing
 *       + (mergekit's unregistered "count" consensus).</li>
 *   <li>{@code disjoint_mean}: {@code weighted} (mergekit, default) divides the sum of the agreeing weighted deltas by
 *       the sum of the agreeing models' weights; {@code count} divides by the number of agreeing models, the TIES
 *       paper's disjoint mean (MergeLM). Either divisor only applies when {@code normalize} is on, and an element
 *       where no model agrees keeps the base value.</li>
 * </ul>
 *
 * A model agrees at an element when its weighted delta is non-zero and has the elected sign, so zeros (trimmed or
 * unchanged elements) never count, in the election or in the divisor.
 *
 * @param election how the sign is elected
 * @param mean     which divisor the disjoint mean uses
 */
record SignConsensus(Election election, DisjointMean mean) {

    static final String SIGN_ELECTION = "sign_election";
    static final String DISJOINT_MEAN = "disjoint_mean";

    static final ParameterSpec ELECTION_SPEC = ParameterSpec.choice(SIGN_ELECTION, "sum", List.of("sum", "count"),
            "sign election: sum = sign of the summed weighted deltas (mergekit), count = majority of their signs;"
                    + " a tie elects +");

    static final ParameterSpec MEAN_SPEC = ParameterSpec.choice(DISJOINT_MEAN, "weighted", List.of("weighted", "count"),
            "normalize divisor: weighted = sum of the agreeing models' weights (mergekit), count = number of agreeing"
                    + " models (TIES paper)");

    /** The mergekit behaviour: sum election, weighted mean. */
    static final SignConsensus MERGEKIT = new SignConsensus(Election.SUM, DisjointMean.WEIGHTED);

    enum Election { SUM, COUNT }

    enum DisjointMean { WEIGHTED, COUNT }

    /** The consensus configured by a method's global parameters (defaults where absent). */
    static SignConsensus from(Parameters global) {
        return new SignConsensus(
                Election.valueOf(MergeParameters.choice(global, SIGN_ELECTION, "sum").toUpperCase(Locale.ROOT)),
                DisjointMean.valueOf(
                        MergeParameters.choice(global, DISJOINT_MEAN, "weighted").toUpperCase(Locale.ROOT)));
    }
}
