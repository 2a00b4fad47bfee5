package org.evomerge.testkit;

import java.util.Map;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;

/** Run contexts for tests: seeded, on the scalar reference backend, silent, with a temporary scratch folder. */
public final class TestRunContexts {

    private TestRunContexts() {
    }

    /** One scratch folder for every test context of this JVM, removed when the JVM exits. */
    private static final class SharedScratch {
        static final ScratchDirectory INSTANCE = create();

        private static ScratchDirectory create() {
            ScratchDirectory scratch = ScratchDirectory.create(null, false);
            Runtime.getRuntime().addShutdownHook(new Thread(scratch::close, "evomerge-test-scratch-cleanup"));
            return scratch;
        }
    }

    /**
     * A context whose randomness derives from {@code seed}. All test contexts of a JVM share one scratch folder,
     * deleted when the JVM exits, so creating many contexts leaves nothing behind.
     */
    public static RunContext seeded(long seed) {
        return seeded(seed, Map.of());
    }

    /**
     * A seeded context that also offers the given services through {@link RunContext#service(Class)} (e.g. an
     * {@link InMemoryModelStore} as the {@code ModelStore}).
     */
    public static RunContext seeded(long seed, Map<Class<?>, Object> services) {
        return seeded(seed, new ReferenceBackend(), services);
    }

    /** A seeded context on {@code backend} instead of the reference backend (e.g. one that lacks a capability). */
    public static RunContext seeded(long seed, ComputeBackend backend, Map<Class<?>, Object> services) {
        return new DefaultRunContext(new SeededRandomSource(seed), backend, ProgressReporter.SILENT,
                SharedScratch.INSTANCE, 1, services);
    }
}
