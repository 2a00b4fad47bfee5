package org.evomerge.api.context;

import java.util.Map;
import java.util.Optional;
import org.evomerge.api.Stable;
import org.evomerge.api.compute.ComputeBackend;

/**
 * The run-scoped services an extension may use. Extensions receive it in {@code create(...)} and never reach for
 * static state, so two runs in one JVM (tests, a server) never see each other.
 */
@Stable(since = "0.1.0")
public interface RunContext {

    /** Seeded randomness for this run. */
    RandomSource random();

    /** The compute backend chosen for this run (CPU reference, CPU vector, GPU...). */
    ComputeBackend compute();

    /** Progress reporting towards the user. */
    ProgressReporter progress();

    /** Temporary storage for this run. */
    ScratchSpace scratch();

    /** A logger named after the caller's concern; messages show with {@code --verbose} or {@code --debug}. */
    System.Logger logger(String name);

    /** The number of worker threads the run may use; at least 1. */
    int threads();

    /**
     * A further service by type, for capabilities added after this API version (e.g. an evaluation cache). Returns
     * empty when the host does not offer it.
     */
    default <T> Optional<T> service(Class<T> type) {
        return Optional.empty();
    }

    /**
     * A context for one part of this run (a worker pool, a candidate's merge, an extension created for the run):
     * the given random source, progress reporter and thread count, this context's compute backend, scratch space and
     * loggers, and {@code services} offered before this context's own.
     *
     * @param threads  at least 1
     * @param services further services by type; each value is an instance of its key
     */
    @Stable(since = "0.1.0")
    default RunContext child(RandomSource random, ProgressReporter progress, int threads,
                             Map<Class<?>, Object> services) {
        return new ChildRunContext(this, random, progress, threads, services);
    }
}
