package org.evomerge.engine.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.compute.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RunContext#child}: what a part of a run inherits from the host's context and what it sets itself. */
class ChildRunContextTest {

    @TempDir
    Path temp;

    private RunContext host() {
        return new DefaultRunContext(new SeededRandomSource(1), new ReferenceBackend(), ProgressReporter.SILENT,
                ScratchDirectory.create(temp, false), 8, Map.of(String.class, "host", Integer.class, 7));
    }

    @Test
    void aChildHasItsOwnRandomnessThreadsAndServicesAndTheHostsBackendAndScratch() {
        RunContext host = host();
        RunContext child = host.child(new SeededRandomSource(2), ProgressReporter.SILENT, 3,
                Map.of(String.class, "child", Long.class, 5L));
        assertEquals(new SeededRandomSource(2), child.random());
        assertEquals(3, child.threads());
        assertSame(host.compute(), child.compute());
        assertSame(host.scratch(), child.scratch());
        // The child's own services first, then the host's, so it can add a service the host lacks.
        assertEquals("child", child.service(String.class).orElseThrow());
        assertEquals(5L, child.service(Long.class).orElseThrow());
        assertEquals(7, child.service(Integer.class).orElseThrow());
        assertTrue(child.service(Double.class).isEmpty());
        RunContext grandchild = child.child(new SeededRandomSource(3), ProgressReporter.SILENT, 1, Map.of());
        assertEquals("child", grandchild.service(String.class).orElseThrow());
        assertEquals(7, grandchild.service(Integer.class).orElseThrow());
    }

    @Test
    void aChildNeedsAThreadAndServicesOfTheirType() {
        RunContext host = host();
        assertThrows(IllegalArgumentException.class,
                () -> host.child(host.random(), ProgressReporter.SILENT, 0, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> host.child(host.random(), ProgressReporter.SILENT, 1, Map.of(String.class, 3)));
    }
}
