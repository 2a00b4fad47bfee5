package org.evomerge.engine.evolution;

import org.evomerge.runfolder.JournalRecord;

/** A generation's summary of the primary objective, as its journal line and {@code history.csv} row hold it. */
final class GenerationStatistics {

    private GenerationStatistics() {
    }

    /**
     * @param results     the generation's evaluations, in ask order (the first of equal bests is its best)
     * @param evaluations evaluation lines so far
     * @param elapsed     evaluation wall-clock seconds so far, over every session of the run
     * @param partial     the budget ran out during this generation
     */
    static JournalRecord.Generation summarize(int generation, JournalRecord.Evaluation[] results, long evaluations,
                                              double elapsed, boolean partial) {
        double best = Double.NEGATIVE_INFINITY;
        double worst = Double.POSITIVE_INFINITY;
        double sum = 0;
        String bestId = results[0].id();
        for (JournalRecord.Evaluation r : results) {
            double f = r.fitness().primary();
            if (f > best) {
                best = f;
                bestId = r.id();
            }
            worst = Math.min(worst, f);
            sum += f;
        }
        double mean = sum / results.length;
        double squares = 0;
        for (JournalRecord.Evaluation r : results) {
            squares += (r.fitness().primary() - mean) * (r.fitness().primary() - mean);
        }
        double std = Math.sqrt(squares / results.length);
        return new JournalRecord.Generation(generation, evaluations, best, mean, std, worst, bestId, elapsed, partial);
    }
}
