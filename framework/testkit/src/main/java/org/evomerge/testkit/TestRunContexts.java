package org.evomerge.testkit;

import java.util.Map;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.engine.compute.ReferenceBackend;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;

/** Run contexts for tests: seeded, on the scalar reference backend, silent, with a temporary scratch folder. */
public final class TestRunContexts {

    private TestRunContexts() {
    }

    /**
     * A context whose randomness derives from {@code seed}. The scratch folder lives in the system temp folder and is
     * removed when the JVM's temp cleaner or the OS does; tests that write much should use their own folders.
     */
    public static RunContext seeded(long seed) {
        return new DefaultRunContext(new SeededRandomSource(seed), new ReferenceBackend(), ProgressReporter.SILENT,
                ScratchDirectory.create(null, false), 1, Map.of());
    }
}
