package org.evomerge.api.search;

import org.evomerge.api.Experimental;
import org.evomerge.api.genome.Genome;

/**
 * Run-scoped service that tells how closely two individuals are related (ModelKinship): for whole models, the
 * similarity of their task vectors against the run's base model. Strategies that use kinship (the greedy
 * kinship-guided search) get it with {@code context.service(KinshipOracle.class)}; the engine offers it when the run
 * has a base model.
 *
 * <p>Contract: a similarity, higher means closer kin, symmetric, deterministic for the same pair, thread-safe. A
 * distance metric (Euclidean) is offered negated so the ordering holds.
 */
@Experimental(since = "0.1.0", reason = "kinship for kinship-guided search; how it is computed and cached may change")
public interface KinshipOracle {

    /**
     * The kinship of two individuals of the same genome type; for Pearson and cosine kinship a value in [-1, 1].
     *
     * @throws IllegalArgumentException if the oracle cannot relate these genome types
     */
    double kinship(Genome a, Genome b);
}
