package org.evomerge.runfolder;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.evomerge.api.EvomergeException;

/**
 * What a resumed run must agree on with its journal. A resume replays the journal: the strategy is asked again and
 * told the journaled scores, so it must be the same strategy with the same seed, and every extension the same
 * version, or the replay and the scores after the resume would not be those of one run.
 */
public final class ResumeCheck {

    /**
     * An extension whose installed version is not the one journaled.
     *
     * @param journaled what the run used before
     * @param installed the version installed now
     */
    public record VersionChange(ExtensionVersion journaled, String installed) {

        @Override
        public String toString() {
            return journaled.kind().id() + " '" + journaled.id() + "' was " + journaled.version()
                    + " when journaled and is " + installed + " now";
        }
    }

    private ResumeCheck() {
    }

    /**
     * @throws EvomergeException (configuration) when the journal was started with another seed or strategy
     */
    public static void requireSameRun(Journal journal, long seed, String strategy) {
        JournalRecord.Start start = journal.start();
        if (start.seed() != seed || !start.strategy().equals(strategy)) {
            throw EvomergeException.configuration(RunFolder.JOURNAL + ": the journal was written with seed "
                    + start.seed() + " and strategy '" + start.strategy() + "', this run has seed " + seed
                    + " and strategy '" + strategy + "'");
        }
    }

    /**
     * The extensions the journal's latest session used (its {@link Journal#extensions()}) that are installed now in
     * another version, matched by kind and id. An extension the run no longer uses (the evaluation executor a
     * resume may change) is no change; an empty result for a journal that lists none (format 1) means nothing could
     * be checked, which {@link #versionsUnknown} tells.
     */
    public static List<VersionChange> versionChanges(Journal journal, List<ExtensionVersion> installed) {
        List<VersionChange> changes = new ArrayList<>();
        for (ExtensionVersion before : journal.extensions()) {
            Optional<ExtensionVersion> now = installed.stream()
                    .filter(e -> e.kind() == before.kind() && e.id().equals(before.id())).findFirst();
            if (now.isPresent() && !now.get().version().equals(before.version())) {
                changes.add(new VersionChange(before, now.get().version()));
            }
        }
        return List.copyOf(changes);
    }

    /** Whether the journal names no extension versions to check (a journal of format 1, never resumed since). */
    public static boolean versionsUnknown(Journal journal) {
        return journal.extensions().isEmpty();
    }
}
