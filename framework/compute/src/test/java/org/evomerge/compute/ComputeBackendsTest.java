package org.evomerge.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.evomerge.api.compute.ComputeBackend;
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
    void candidatesAreEveryBackendForAutoTheCpuOnesForCpuElseTheNamedOne() {
        assertEquals(backends.all(), backends.candidates("auto"));
        assertEquals(backends.all(), backends.candidates(null));
        assertEquals(backends.all(), backends.candidates("  "));
        assertTrue(backends.candidates("cpu").stream().allMatch(b -> b.id().startsWith("cpu-")));
        assertEquals(2, backends.candidates("cpu").size());
        assertEquals(List.of("cpu-reference"),
                backends.candidates(" cpu-reference ").stream().map(ComputeBackend::id).toList());
        assertTrue(backends.candidates("nope").isEmpty());
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
    void aBackendThatFailsToLoadIsRecordedAndTheOthersStillLoad(@TempDir Path dir) throws IOException {
        Path serviceFile = dir.resolve(SERVICE_FILE);
        Files.createDirectories(serviceFile.getParent());
        Files.writeString(serviceFile, "org.evomerge.compute.NoSuchBackend\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                ComputeBackendsTest.class.getClassLoader())) {
            ComputeBackends extended = ComputeBackends.discover(loader);
            List<String> ids = extended.all().stream().map(ComputeBackend::id).toList();
            assertTrue(ids.containsAll(List.of("cpu-reference", "cpu-vector")), ids.toString());
            assertEquals(1, extended.loadErrors().size(), extended.loadErrors().toString());
            assertTrue(extended.loadErrors().get(0).contains("NoSuchBackend"), extended.loadErrors().toString());
        }
    }
}
