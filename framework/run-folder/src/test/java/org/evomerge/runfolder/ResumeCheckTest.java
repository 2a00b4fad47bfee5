package org.evomerge.runfolder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.extension.ExtensionKind;
import org.junit.jupiter.api.Test;

class ResumeCheckTest {

    private static final ExtensionVersion STRATEGY = new ExtensionVersion(ExtensionKind.SEARCH_STRATEGY, "cma-es",
            "1.0.0");
    private static final ExtensionVersion EVALUATOR = new ExtensionVersion(ExtensionKind.EVALUATOR, "perplexity",
            "1.0.0");
    private static final ExtensionVersion EXECUTOR = new ExtensionVersion(ExtensionKind.EVALUATION_EXECUTOR, "spark",
            "1.0.0");

    private static Journal journal(List<ExtensionVersion> extensions) {
        return new Journal(Path.of("run", RunFolder.JOURNAL), List.of(new JournalRecord.Start(2, 5, "cma-es",
                List.of("weighted"), extensions, "t")), false);
    }

    @Test
    void anExtensionInstalledInAnotherVersionIsNamedWithBothVersions() {
        Journal journal = journal(List.of(STRATEGY, EVALUATOR, EXECUTOR));
        assertEquals(List.of(), ResumeCheck.versionChanges(journal, List.of(STRATEGY, EVALUATOR, EXECUTOR)));
        List<ResumeCheck.VersionChange> changes = ResumeCheck.versionChanges(journal, List.of(STRATEGY,
                new ExtensionVersion(ExtensionKind.EVALUATOR, "perplexity", "1.1.0")));
        assertEquals(1, changes.size());
        assertEquals("evaluator 'perplexity' was 1.0.0 when journaled and is 1.1.0 now", changes.getFirst().toString());
        // An extension the resumed session does not use (another executor, as --cluster may choose) is no change.
        assertEquals(List.of(), ResumeCheck.versionChanges(journal, List.of(STRATEGY, EVALUATOR,
                new ExtensionVersion(ExtensionKind.EVALUATION_EXECUTOR, "local-pool", "2.0.0"))));
    }

    @Test
    void aJournalOfFormatOneNamesNoVersions() {
        Journal journal = journal(List.of());
        assertTrue(ResumeCheck.versionsUnknown(journal));
        assertEquals(List.of(), ResumeCheck.versionChanges(journal, List.of(STRATEGY)));
    }

    @Test
    void anotherSeedOrStrategyIsRefused() {
        Journal journal = journal(List.of(STRATEGY));
        ResumeCheck.requireSameRun(journal, 5, "cma-es");
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> ResumeCheck.requireSameRun(journal, 6, "cma-es"));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertEquals("journal.jsonl: the journal was written with seed 5 and strategy 'cma-es', this run has seed 6"
                + " and strategy 'cma-es'", e.getMessage());
        assertThrows(EvomergeException.class, () -> ResumeCheck.requireSameRun(journal, 5, "genetic"));
    }
}
