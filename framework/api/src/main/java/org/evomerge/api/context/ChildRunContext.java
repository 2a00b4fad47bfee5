package org.evomerge.api.context;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.evomerge.api.Stable;
import org.evomerge.api.compute.ComputeBackend;

/**
 * A context for one part of a run, made by {@link RunContext#child}: its own random source, progress reporter, thread
 * count and further services; the compute backend, scratch space and loggers are the parent's. A service is looked up
 * among the child's own first, then in the parent, so a child adds services without hiding the host's.
 *
 * @param parent   the context this one is part of
 * @param services services this child offers besides the parent's, by type
 */
@Stable(since = "0.1.0")
public record ChildRunContext(RunContext parent, RandomSource random, ProgressReporter progress, int threads,
                              Map<Class<?>, Object> services) implements RunContext {

    public ChildRunContext {
        Objects.requireNonNull(parent, "parent");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(progress, "progress");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        services = Map.copyOf(services);
        services.forEach((type, service) -> {
            if (!type.isInstance(service)) {
                throw new IllegalArgumentException("service " + service + " is not a " + type.getName());
            }
        });
    }

    @Override
    public ComputeBackend compute() {
        return parent.compute();
    }

    @Override
    public ScratchSpace scratch() {
        return parent.scratch();
    }

    @Override
    public System.Logger logger(String name) {
        return parent.logger(name);
    }

    @Override
    public <T> Optional<T> service(Class<T> type) {
        Object own = services.get(type);
        return own != null ? Optional.of(type.cast(own)) : parent.service(type);
    }
}
