package org.evomerge.compute;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.evomerge.api.compute.ComputeBackend;

/**
 * The compute backends on the application class path, found with {@link ServiceLoader} (not through plugins: GPU
 * runtimes must see kernel classes through the system class loader), best first, and which of them a request for a
 * run names. Choosing one and explaining why none fits is the host's ({@code engine.context.BackendSelection}).
 */
public final class ComputeBackends {

    /** Picks the available backend with the highest priority. */
    public static final String AUTO = "auto";
    /** Picks the best available backend whose id starts with {@code cpu-}. */
    public static final String CPU = "cpu";

    private final List<ComputeBackend> backends;
    private final List<String> loadErrors;

    private ComputeBackends(List<ComputeBackend> backends, List<String> loadErrors) {
        this.backends = backends.stream().sorted(Comparator.comparingInt(ComputeBackend::priority).reversed()).toList();
        this.loadErrors = List.copyOf(loadErrors);
    }

    /** The backends that {@code loader} can see; a backend that fails to load is recorded, not fatal. */
    public static ComputeBackends discover(ClassLoader loader) {
        List<ComputeBackend> found = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        var iterator = ServiceLoader.load(ComputeBackend.class, loader).iterator();
        while (true) {
            try {
                if (!iterator.hasNext()) {
                    break;
                }
                found.add(iterator.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                errors.add(e.getMessage());
            }
        }
        return new ComputeBackends(found, errors);
    }

    /** Every backend found, best first, available or not. */
    public List<ComputeBackend> all() {
        return backends;
    }

    /** Why backends listed in a service file could not be loaded. */
    public List<String> loadErrors() {
        return loadErrors;
    }

    /**
     * The backends {@code request} names, best first, available or not: every one for {@link #AUTO} (also a missing
     * or blank request), those whose id starts with {@code cpu-} for {@link #CPU}, else the one with that id (the
     * request stripped).
     */
    public List<ComputeBackend> candidates(String request) {
        String wanted = request == null || request.isBlank() ? AUTO : request.strip();
        return backends.stream()
                .filter(b -> wanted.equals(AUTO) || (wanted.equals(CPU) ? b.id().startsWith("cpu-") : b.id().equals(wanted)))
                .toList();
    }

    /** Whether {@code backend} can run here, treating a failing probe as "no". */
    public boolean isAvailable(ComputeBackend backend) {
        try {
            return backend.isAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
