/**
 * Fitness at a fraction of the cost (ALGORITHMS.md B.22, tinyBenchmarks, MERGE3): a two-parameter logistic item
 * response model fitted on models scored on a whole task ({@link org.evomerge.statistics.irt.TwoParameterLogistic}),
 * anchor items chosen once by seeded k-means ({@link org.evomerge.statistics.irt.AnchorSet}), and the anchor, p-IRT
 * and gp-IRT estimates of a new model's score from its answers to the anchors only
 * ({@link org.evomerge.statistics.irt.SubsetEstimator}); {@link org.evomerge.statistics.irt.SpearmanCorrelation}
 * checks how well estimates order models. Deterministic: the same inputs and seed give the same bits.
 */
package org.evomerge.statistics.irt;
