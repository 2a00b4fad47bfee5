package org.evomerge.engine.evolution;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.runfolder.JournalRecord;
import org.evomerge.runfolder.JournalWriter;

/**
 * The kinship of the best distinct candidates after every {@code kinship.every}-th generation: measured and journaled
 * as a {@code kinship} line (replayed from the journal on resume, never measured twice), and the stop rule on their
 * mean pairwise value.
 */
final class KinshipWatch {

    private final EvolutionEngine.KinshipCheck check;
    private final JournalWriter journal;
    private final EvaluatedCandidates candidates;

    KinshipWatch(EvolutionEngine.KinshipCheck check, JournalWriter journal, EvaluatedCandidates candidates) {
        this.check = check;
        this.journal = journal;
        this.candidates = candidates;
    }

    /**
     * Measures (or replays) the kinship after {@code generation}.
     *
     * @param journaled the measurement the journal holds for this generation, on resume
     * @return whether the run should stop
     */
    boolean stopAfter(int generation, Optional<JournalRecord.Kinship> journaled) {
        RunFile.Kinship k = check.settings();
        if (generation % k.every() != 0) {
            return false;
        }
        double[][] matrix;
        if (journaled.isPresent()) {
            matrix = journaled.get().values();
        } else {
            List<JournalRecord.Evaluation> ordered = new ArrayList<>(candidates.all());
            // Best first; stable sort keeps the earliest of equal scores first.
            ordered.sort(Comparator.comparingDouble((JournalRecord.Evaluation r) -> -r.fitness().primary()));
            Map<String, JournalRecord.Evaluation> distinct = new LinkedHashMap<>();
            for (JournalRecord.Evaluation r : ordered) {
                if (distinct.size() < k.top()) {
                    distinct.putIfAbsent(GenomeKey.of(r.genome()), r);
                }
            }
            if (distinct.size() < 2) {
                return false;
            }
            List<JournalRecord.Evaluation> top = List.copyOf(distinct.values());
            matrix = check.probe().apply(top.stream().map(JournalRecord.Evaluation::genome).toList());
            journal.append(new JournalRecord.Kinship(generation, top.stream().map(JournalRecord.Evaluation::id)
                    .toList(), k.metric(), JournalRecord.Kinship.rows(matrix)));
        }
        if (k.stopAbove().isEmpty() || matrix.length < 2) {
            return false;
        }
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < matrix.length; i++) {
            for (int j = i + 1; j < matrix.length; j++) {
                if (Double.isFinite(matrix[i][j])) {
                    sum += matrix[i][j];
                    pairs++;
                }
            }
        }
        // Undefined pairs say nothing about convergence; with none defined there is nothing to stop on.
        return pairs > 0 && sum / pairs >= k.stopAbove().getAsDouble();
    }
}
