package org.evomerge.engine.context;

import java.util.ArrayList;
import java.util.List;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.compute.ComputeBackends;
import org.evomerge.engine.input.ClosestNames;

/**
 * The compute backend a run asks for ({@code --backend}, {@code compute.backend}): the best available one the
 * request names, or one line saying why there is none; and whether it offers what the run's extensions need.
 */
public final class BackendSelection {

    /** The GPU backend's id; its description says why it cannot run (no runtime, no device). */
    static final String TORNADO = "tornado";

    private BackendSelection() {
    }

    /**
     * The backend for {@code request}: {@code auto}, {@code cpu}, or a backend id.
     *
     * @throws EvomergeException (CONFIGURATION) naming the known backends when none fits
     */
    public static ComputeBackend select(ComputeBackends backends, String request) {
        String wanted = request == null || request.isBlank() ? ComputeBackends.AUTO : request.strip();
        List<ComputeBackend> candidates = backends.candidates(wanted);
        for (ComputeBackend backend : candidates) {
            if (backends.isAvailable(backend)) {
                return backend;
            }
        }
        String known = String.join(", ", backends.all().stream().map(ComputeBackend::id).toList());
        if (candidates.isEmpty()) {
            List<String> choices = new ArrayList<>(List.of(ComputeBackends.AUTO, ComputeBackends.CPU, TORNADO));
            backends.all().forEach(b -> choices.add(b.id()));
            throw EvomergeException.configuration("compute backend '" + wanted + "' is not installed"
                    + (wanted.equals(TORNADO) ? " (it comes with the GPU bundle and runs under bin/evomerge-gpu, see"
                    + " docs/gpu.md)" : ClosestNames.hint(wanted, choices)) + "; choose auto, cpu"
                    + (known.isEmpty() ? "" : ", " + known));
        }
        // The GPU backend's description says why it cannot run (TornadoVM not loaded, no device).
        String why = wanted.equals(TORNADO) ? " (" + safeDescription(candidates.get(0)) + "; see docs/gpu.md)" : "";
        throw EvomergeException.configuration("compute backend '" + wanted + "' is installed but cannot run here" + why);
    }

    /**
     * Checks that {@code backend} offers the compute capabilities {@code extension} declares it needs
     * ({@link Capability#TASK_VECTOR_OPERATIONS}), so that a run fails before it reads or writes anything rather than
     * at its first tensor.
     *
     * @throws EvomergeException (CONFIGURATION) naming the extension, the backend and the missing operations
     */
    public static void requireCapabilities(ComputeBackend backend, ExtensionDescriptor extension) {
        if (extension.has(Capability.TASK_VECTOR_OPERATIONS) && backend.taskVectors().isEmpty()) {
            throw EvomergeException.configuration(extension.kind().id().replace('-', ' ') + " '" + extension.id()
                    + "' needs task-vector operations, which compute backend '" + backend.id()
                    + "' does not offer; choose another with --backend (e.g. --backend cpu)");
        }
    }

    private static String safeDescription(ComputeBackend backend) {
        try {
            return backend.description();
        } catch (RuntimeException | LinkageError e) {
            return "its probe failed: " + e;
        }
    }
}
