package org.evomerge.engine.evolution;

import java.util.List;
import java.util.Optional;
import org.evomerge.api.model.Model;

/**
 * Kinship of candidate models (ModelKinship): the pairwise matrix of a metric over their task vectors against the
 * base model. The kinship component ({@code engine.kinship}) provides it; the engine uses it to journal the top
 * candidates' kinship and, optionally, to stop early when they have become too alike.
 */
@FunctionalInterface
public interface KinshipMeasure {

    /**
     * @param models the candidates, in order
     * @param base   the base model the task vectors are taken against, if the run has one
     * @param metric {@code pcc}, {@code cosine} or {@code euclidean}
     * @return a symmetric n×n matrix (the diagonal is a model with itself)
     */
    double[][] matrix(List<Model> models, Optional<Model> base, String metric);
}
