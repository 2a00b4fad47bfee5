package org.evomerge.engine.compute;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.engine.input.ClosestNames;

/**
 * The compute backends on the application class path, found with {@link ServiceLoader} (not through plugins: GPU
 * runtimes must see kernel classes through the system class loader), and the rule that picks one for a run.
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
     * The backend for {@code request}: {@code auto}, {@code cpu}, or a backend id.
     *
     * @throws EvomergeException (CONFIGURATION) naming the known backends when none fits
     */
    public ComputeBackend select(String request) {
        String wanted = request == null || request.isBlank() ? AUTO : request.strip();
        List<ComputeBackend> candidates = backends.stream()
                .filter(b -> wanted.equals(AUTO) || (wanted.equals(CPU) ? b.id().startsWith("cpu-") : b.id().equals(wanted)))
                .toList();
        for (ComputeBackend backend : candidates) {
            if (safeIsAvailable(backend)) {
                return backend;
            }
        }
        String known = String.join(", ", backends.stream().map(ComputeBackend::id).toList());
        if (candidates.isEmpty()) {
            List<String> choices = new ArrayList<>(List.of(AUTO, CPU, TORNADO));
            backends.forEach(b -> choices.add(b.id()));
            throw EvomergeException.configuration("compute backend '" + wanted + "' is not installed"
                    + (wanted.equals(TORNADO) ? " (it comes with the GPU bundle and runs under bin/evomerge-gpu, see"
                    + " docs/gpu.md)" : ClosestNames.hint(wanted, choices)) + "; choose auto, cpu"
                    + (known.isEmpty() ? "" : ", " + known));
        }
        // The GPU backend's description says why it cannot run (TornadoVM not loaded, no device).
        String why = wanted.equals(TORNADO) ? " (" + safeDescription(candidates.get(0)) + "; see docs/gpu.md)" : "";
        throw EvomergeException.configuration("compute backend '" + wanted + "' is installed but cannot run here" + why);
    }

    /** The GPU backend's id; its description says why it cannot run (no runtime, no device). */
    static final String TORNADO = "tornado";

    private static String safeDescription(ComputeBackend backend) {
        try {
            return backend.description();
        } catch (RuntimeException | LinkageError e) {
            return "its probe failed: " + e;
        }
    }

    static boolean safeIsAvailable(ComputeBackend backend) {
        try {
            return backend.isAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Whether {@code backend} can run here, treating a failing probe as "no". */
    public boolean isAvailable(ComputeBackend backend) {
        return safeIsAvailable(backend);
    }
}
