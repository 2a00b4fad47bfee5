package org.evomerge.engine.report;

/**
 * One generation's fitness summary on the primary objective. Values a source does not record are NaN.
 *
 * @param generation     the generation number
 * @param evaluations    evaluations so far (cumulative), or -1 when unknown
 * @param best           best fitness
 * @param mean           mean fitness
 * @param std            standard deviation of fitness
 * @param worst          worst fitness
 * @param elapsedSeconds wall-clock seconds since the run started
 */
public record GenerationRow(int generation, long evaluations, double best, double mean, double std, double worst,
                            double elapsedSeconds) {
}
