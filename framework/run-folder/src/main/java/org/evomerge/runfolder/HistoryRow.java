package org.evomerge.runfolder;

/**
 * One row of {@code history.csv}: a generation's summary of the primary objective. Values a source does not hold
 * are NaN ({@code evaluations}: -1).
 *
 * @param evaluations    evaluations so far (cumulative)
 * @param elapsedSeconds evaluation wall-clock seconds so far, over every session of the run
 */
public record HistoryRow(int generation, long evaluations, double best, double mean, double std, double worst,
                         double elapsedSeconds) {

    /** The row of a journaled generation. */
    public static HistoryRow of(JournalRecord.Generation g) {
        return new HistoryRow(g.generation(), g.evaluations(), g.best(), g.mean(), g.std(), g.worst(), g.elapsed());
    }
}
