package org.evomerge.engine.evolution;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.genome.Genome;
import org.evomerge.runfolder.JournalRecord;

/**
 * Every candidate the run has evaluated so far, in ask order (so ids and the tie-breaking of the best never depend on
 * which worker finished first), with the fitness cache (the first evaluation of each {@link GenomeKey}) and the
 * lineage's record of which id each genome was evaluated under. Used by one thread, the engine's.
 */
final class EvaluatedCandidates {

    private final List<JournalRecord.Evaluation> all = new ArrayList<>();
    private final Map<String, JournalRecord.Evaluation> byGenome = new HashMap<>();
    private final Lineage lineage;

    EvaluatedCandidates(Lineage lineage) {
        this.lineage = lineage;
    }

    void remember(JournalRecord.Evaluation record) {
        all.add(record);
        byGenome.putIfAbsent(GenomeKey.of(record.genome()), record);
        lineage.evaluated(record.genome(), record.id());
    }

    /** The earlier evaluation of a genome that makes the same model, or null. */
    JournalRecord.Evaluation cached(Genome genome) {
        return byGenome.get(GenomeKey.of(genome));
    }

    int count() {
        return all.size();
    }

    boolean isEmpty() {
        return all.isEmpty();
    }

    List<JournalRecord.Evaluation> all() {
        return List.copyOf(all);
    }

    /** The best so far by primary objective; the earliest wins a tie. */
    JournalRecord.Evaluation best() {
        JournalRecord.Evaluation best = all.getFirst();
        for (JournalRecord.Evaluation r : all) {
            if (r.fitness().primary() > best.fitness().primary()) {
                best = r;
            }
        }
        return best;
    }
}
