package org.evomerge.engine.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComputeBackendsTest {

    private static final String SERVICE_FILE = "META-INF/services/" + ComputeBackend.class.getName();

    private final ComputeBackends backends = ComputeBackends.discover(ComputeBackendsTest.class.getClassLoader());

    @Test
    void discoversBothCpuBackendsBestFirst() {
        List<String> ids = backends.all().stream().map(ComputeBackend::id).toList();
        assertTrue(ids.contains("cpu-reference"), ids.toString());
        assertTrue(ids.contains("cpu-vector"), ids.toString());
        List<Integer> priorities = backends.all().stream().map(ComputeBackend::priority).toList();
        assertEquals(priorities.stream().sorted(Comparator.reverseOrder()).toList(), priorities);
        assertTrue(backends.loadErrors().isEmpty(), backends.loadErrors().toString());
    }

    @Test
    void autoPicksTheAvailableBackendWithHighestPriority() {
        ComputeBackend expected = backends.all().stream()
                .filter(ComputeBackend::isAvailable)
                .max(Comparator.comparingInt(ComputeBackend::priority))
                .orElseThrow();
        assertSame(expected, backends.select("auto"));
        // A missing or blank request means auto, so a configuration without compute.backend still runs.
        assertSame(expected, backends.select(null));
        assertSame(expected, backends.select("  "));
    }

    @Test
    void cpuPicksACpuBackend() {
        ComputeBackend chosen = backends.select("cpu");
        assertTrue(chosen.id().startsWith("cpu-"), chosen.id());
        assertTrue(chosen.isAvailable());
    }

    @Test
    void anIdPicksThatBackend() {
        ComputeBackend chosen = backends.select("cpu-reference");
        assertEquals("cpu-reference", chosen.id());
        assertInstanceOf(ReferenceBackend.class, chosen);
        assertEquals("cpu-reference", backends.select(" cpu-reference ").id());
    }

    @Test
    void unknownIdIsAConfigurationErrorListingTheChoices() {
        EvomergeException e = assertThrows(EvomergeException.class, () -> backends.select("nope"));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        String message = e.getMessage();
        for (String expected : List.of("'nope'", "auto", "cpu", "cpu-reference", "cpu-vector")) {
            assertTrue(message.contains(expected), message);
        }
        assertFalse(message.contains("\n"), message);
        assertFalse(message.contains("did you mean"), message);
        assertTrue(assertThrows(EvomergeException.class, () -> backends.select("cpu-vectr")).getMessage()
                .startsWith("compute backend 'cpu-vectr' is not installed (did you mean 'cpu-vector'?); choose auto"));
    }

    @Test
    void aThrowingAvailabilityProbeMeansUnavailable() {
        ComputeBackend broken = mock(ComputeBackend.class);
        when(broken.isAvailable()).thenThrow(new IllegalStateException("driver exploded"));
        assertFalse(backends.isAvailable(broken));

        ComputeBackend missingClass = mock(ComputeBackend.class);
        when(missingClass.isAvailable()).thenThrow(new NoClassDefFoundError("uk/ac/manchester/tornado/Api"));
        assertFalse(backends.isAvailable(missingClass));
    }

    @Test
    void selectionSkipsBackendsWhoseProbeThrowsAndRecordsLoadErrors(@TempDir Path dir) throws IOException {
        Path serviceFile = dir.resolve(SERVICE_FILE);
        Files.createDirectories(serviceFile.getParent());
        Files.writeString(serviceFile, ThrowingBackend.class.getName() + "\n"
                + "org.evomerge.engine.compute.NoSuchBackend\n"
                + UnavailableBackend.class.getName() + "\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                ComputeBackendsTest.class.getClassLoader())) {
            ComputeBackends extended = ComputeBackends.discover(loader);

            List<String> ids = extended.all().stream().map(ComputeBackend::id).toList();
            assertEquals("test-throwing", ids.get(0), ids.toString());
            assertTrue(ids.containsAll(List.of("test-unavailable", "cpu-reference", "cpu-vector")), ids.toString());
            // The class that does not exist is reported, and does not stop the others from loading.
            assertEquals(1, extended.loadErrors().size(), extended.loadErrors().toString());
            assertTrue(extended.loadErrors().get(0).contains("NoSuchBackend"), extended.loadErrors().toString());

            // The throwing backend has the highest priority, so auto would pick it if the exception escaped.
            ComputeBackend auto = extended.select("auto");
            assertTrue(auto.id().startsWith("cpu-"), auto.id());
            assertEquals(backends.select("auto").id(), auto.id());

            for (String id : List.of("test-throwing", "test-unavailable")) {
                EvomergeException e = assertThrows(EvomergeException.class, () -> extended.select(id));
                assertEquals(ErrorCategory.CONFIGURATION, e.category());
                assertTrue(e.getMessage().contains(id) && e.getMessage().contains("cannot run here"), e.getMessage());
            }
        }
    }

    @Test
    void tornadoMessagesSayHowToGetTheGpuBackend() {
        EvomergeException missing = assertThrows(EvomergeException.class, () -> backends.select("tornado"));
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
        public void toFloat(MemorySegment src, DType type, float[] dst, int count) {
            throw new AssertionError("a stub backend must never be used");
        }

        @Override
        public void fromFloat(float[] src, DType type, MemorySegment dst, int count) {
            throw new AssertionError("a stub backend must never be used");
        }

        @Override
        public void weightedSum(float[][] inputs, float[] weights, float[] out) {
            throw new AssertionError("a stub backend must never be used");
        }

        @Override
        public void axpy(float a, float[] x, float[] y) {
            throw new AssertionError("a stub backend must never be used");
        }

        @Override
        public double dot(float[] a, float[] b) {
            throw new AssertionError("a stub backend must never be used");
        }

        @Override
        public double sumOfSquares(float[] a) {
            throw new AssertionError("a stub backend must never be used");
        }
    }
}
