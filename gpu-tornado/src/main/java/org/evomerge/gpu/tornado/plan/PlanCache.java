package org.evomerge.gpu.tornado.plan;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Built plans by key (operation and sizes), least recently used first out; an evicted plan is closed, which frees
 * its device memory. Keeps the number of compiled plans, and so device memory, bounded while the few tensor shapes
 * of a model each compile once. Not thread-safe: the backend serialises calls.
 *
 * @param <K> the key (a record of the sizes)
 * @param <P> the plan
 */
public final class PlanCache<K, P extends DevicePlan> implements AutoCloseable {

    private final LinkedHashMap<K, P> plans;

    /** A cache holding at most {@code capacity} plans. */
    public PlanCache(int capacity) {
        this.plans = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, P> eldest) {
                if (size() > capacity) {
                    eldest.getValue().close();
                    return true;
                }
                return false;
            }
        };
    }

    /** The plan for {@code key}, built by {@code builder} the first time. */
    public P get(K key, Function<K, P> builder) {
        P plan = plans.get(key);
        if (plan == null) {
            plan = builder.apply(key);
            plans.put(key, plan);
        }
        return plan;
    }

    /** How many plans are built. */
    public int size() {
        return plans.size();
    }

    @Override
    public void close() {
        plans.values().forEach(DevicePlan::close);
        plans.clear();
    }
}
