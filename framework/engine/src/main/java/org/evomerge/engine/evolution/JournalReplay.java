package org.evomerge.engine.evolution;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.evomerge.runfolder.Journal;
import org.evomerge.runfolder.JournalRecord;

/**
 * What a resumed run finds in its journal: each evaluation, generation summary and kinship measurement is handed
 * back when the run reaches it again, instead of being computed again. Evaluations are taken out as they are
 * replayed, so the run knows when the previous sessions' work is used up.
 */
final class JournalReplay {

    private final Map<String, JournalRecord.Evaluation> evaluations = new LinkedHashMap<>();
    private final Map<Integer, JournalRecord.Generation> generations = new TreeMap<>();
    private final Map<Integer, JournalRecord.Kinship> kinships = new TreeMap<>();
    private final Optional<JournalRecord.Finish> finish;

    JournalReplay(Journal journal) {
        journal.evaluations().forEach(e -> evaluations.put(e.id(), e));
        journal.generations().forEach(g -> generations.put(g.generation(), g));
        journal.kinships().forEach(k -> kinships.put(k.generation(), k));
        this.finish = journal.finish();
    }

    /** The journaled evaluation with this id, taken out of the replay; null when the journal has none. */
    JournalRecord.Evaluation take(String id) {
        return evaluations.remove(id);
    }

    /** Whether every journaled evaluation has been replayed: from here on the run is within this session's budget. */
    boolean exhausted() {
        return evaluations.isEmpty();
    }

    /** The evaluations not taken yet, in journal order. */
    List<JournalRecord.Evaluation> remainingEvaluations() {
        return new ArrayList<>(evaluations.values());
    }

    Optional<JournalRecord.Generation> generation(int generation) {
        return Optional.ofNullable(generations.get(generation));
    }

    List<JournalRecord.Generation> generations() {
        return new ArrayList<>(generations.values());
    }

    Optional<JournalRecord.Kinship> kinship(int generation) {
        return Optional.ofNullable(kinships.get(generation));
    }

    Optional<JournalRecord.Finish> finish() {
        return finish;
    }

    /** Evaluation wall-clock seconds of the previous sessions: the last generation line's. */
    double elapsed() {
        return generations.values().stream().mapToDouble(JournalRecord.Generation::elapsed)
                .filter(v -> !Double.isNaN(v)).max().orElse(0);
    }
}
