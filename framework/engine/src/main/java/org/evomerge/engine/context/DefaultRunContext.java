package org.evomerge.engine.context;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.context.ScratchSpace;

/**
 * The run context the engine hands to extensions: an immutable bundle of the run's services.
 *
 * @param services further services by type, offered through {@link #service(Class)}
 */
public record DefaultRunContext(
        RandomSource random,
        ComputeBackend compute,
        ProgressReporter progress,
        ScratchSpace scratch,
        int threads,
        Map<Class<?>, Object> services) implements RunContext {

    public DefaultRunContext {
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(compute, "compute");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(scratch, "scratch");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        services = Map.copyOf(services);
    }

    @Override
    public System.Logger logger(String name) {
        return System.getLogger("org.evomerge." + name);
    }

    @Override
    public <T> Optional<T> service(Class<T> type) {
        return Optional.ofNullable(services.get(type)).map(type::cast);
    }
}
