package org.evomerge.engine.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.compute.TensorCodecs;
import org.evomerge.api.compute.VectorOperations;
import org.evomerge.compute.ComputeBackends;
import org.evomerge.compute.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendSelectionTest {

    private static final String SERVICE_FILE = "META-INF/services/" + ComputeBackend.class.getName();

    private final ComputeBackends backends = ComputeBackends.discover(BackendSelectionTest.class.getClassLoader());

    private ComputeBackend select(String request) {
        return BackendSelection.select(backends, request);
    }

    @Test
    void autoPicksTheAvailableBackendWithHighestPriority() {
        ComputeBackend expected = backends.all().stream()
                .filter(ComputeBackend::isAvailable)
                .max(Comparator.comparingInt(ComputeBackend::priority))
                .orElseThrow();
        assertSame(expected, select("auto"));
        // A missing or blank request means auto, so a configuration without compute.backend still runs.
        assertSame(expected, select(null));
        assertSame(expected, select("  "));
    }

    @Test
    void cpuPicksACpuBackend() {
        ComputeBackend chosen = select("cpu");
        assertTrue(chosen.id().startsWith("cpu-"), chosen.id());
        assertTrue(chosen.isAvailable());
    }

    @Test
    void anIdPicksThatBackend() {
        ComputeBackend chosen = select("cpu-reference");
        assertEquals("cpu-reference", chosen.id());
        assertInstanceOf(ReferenceBackend.class, chosen);
        assertEquals("cpu-reference", select(" cpu-reference ").id());
    }

    @Test
    void unknownIdIsAConfigurationErrorListingTheChoices() {
        EvomergeException e = assertThrows(EvomergeException.class, () -> select("nope"));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        String message = e.getMessage();
        for (String expected : List.of("'nope'", "auto", "cpu", "cpu-reference", "cpu-vector")) {
            assertTrue(message.contains(expected), message);
        }
        assertFalse(message.contains("\n"), message);
        assertFalse(message.contains("did you mean"), message);
        assertTrue(assertThrows(EvomergeException.class, () -> select("cpu-vectr")).getMessage()
                .startsWith("compute backend 'cpu-vectr' is not installed (did you mean 'cpu-vector'?); choose auto"));
    }

    @Test
    void selectionSkipsBackendsWhoseProbeThrows(@TempDir Path dir) throws IOException {
        Path serviceFile = dir.resolve(SERVICE_FILE);
        Files.createDirectories(serviceFile.getParent());
        Files.writeString(serviceFile, ThrowingBackend.class.getName() + "\n"
                + UnavailableBackend.class.getName() + "\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                BackendSelectionTest.class.getClassLoader())) {
            ComputeBackends extended = ComputeBackends.discover(loader);
            List<String> ids = extended.all().stream().map(ComputeBackend::id).toList();
            assertEquals("test-throwing", ids.get(0), ids.toString());

            // The throwing backend has the highest priority, so auto would pick it if the exception escaped.
            ComputeBackend auto = BackendSelection.select(extended, "auto");
            assertTrue(auto.id().startsWith("cpu-"), auto.id());
            assertEquals(select("auto").id(), auto.id());

            for (String id : List.of("test-throwing", "test-unavailable")) {
                EvomergeException e = assertThrows(EvomergeException.class,
                        () -> BackendSelection.select(extended, id));
                assertEquals(ErrorCategory.CONFIGURATION, e.category());
                assertTrue(e.getMessage().contains(id) && e.getMessage().contains("cannot run here"), e.getMessage());
            }
        }
    }

    @Test
    void tornadoMessagesSayHowToGetTheGpuBackend() {
        EvomergeException missing = assertThrows(EvomergeException.class, () -> select("tornado"));
        assertEquals(ErrorCategory.CONFIGURATION, missing.category());
        assertTrue(missing.getMessage().contains("'tornado' is not installed")
                && missing.getMessage().contains("bin/evomerge-gpu")
                && missing.getMessage().contains("docs/gpu.md")
                && missing.getMessage().contains("cpu-vector"), missing.getMessage());
        assertTrue(!missing.getMessage().contains("\n"), missing.getMessage());
    }

    /** Loaded by {@link java.util.ServiceLoader}, so public with a public no-argument constructor. */
    public static class ThrowingBackend extends StubBackend {
        public ThrowingBackend() {
            super("test-throwing", 1000);
        }

        @Override
        public boolean isAvailable() {
            throw new UnsupportedOperationException("probe failed");
        }
    }

    public static class UnavailableBackend extends StubBackend {
        public UnavailableBackend() {
            super("test-unavailable", 999);
        }

        @Override
        public boolean isAvailable() {
            return false;
        }
    }

    abstract static class StubBackend implements ComputeBackend {
        private final String id;
        private final int priority;

        StubBackend(String id, int priority) {
            this.id = id;
            this.priority = priority;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String description() {
            return "test stub";
        }

        @Override
        public int priority() {
            return priority;
        }

        @Override
        public TensorCodecs codecs() {
            throw new AssertionError("a stub backend must never be used");
        }

        @Override
        public VectorOperations vectors() {
            throw new AssertionError("a stub backend must never be used");
        }
    }
}
