package org.evomerge.gpu.tornado.plan;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Weight matrices resident on the device, keyed by the identity of their host array: the same tensor object
 * (a model's weights across many evaluations) is moved to the device once and reused; a different object with equal
 * contents is a different entry. Entries whose host array has been garbage-collected are closed (device memory
 * freed) on the next access, and {@link #close()} frees everything. Not thread-safe: the backend serialises calls.
 */
public final class DeviceWeightCache implements AutoCloseable {

    private record Entry(WeakReference<Object> host, MatVecPlan plan) {
    }

    // A list scanned by identity rather than an IdentityHashMap, which would hold the host arrays strongly. A model
    // has a few hundred weight matrices at most, so the scan costs nothing next to a device call.
    private final List<Entry> entries = new ArrayList<>();
    private int uploads;

    /** The plan for {@code weights}, created (and its weights moved to the device) the first time. */
    public MatVecPlan get(Object weights, Supplier<MatVecPlan> create) {
        purgeCollected();
        for (Entry entry : entries) {
            if (entry.host().get() == weights) {
                return entry.plan();
            }
        }
        Entry entry = new Entry(new WeakReference<>(weights), create.get());
        uploads++;
        entries.add(entry);
        return entry.plan();
    }

    /** Frees the device copy of {@code weights}, if any. */
    public void evict(Object weights) {
        entries.removeIf(entry -> {
            if (entry.host().get() == weights) {
                entry.plan().close();
                return true;
            }
            return false;
        });
    }

    /** How many weight matrices are on the device. */
    public int size() {
        return entries.size();
    }

    /** How many times weights were moved to the device (a cache miss). */
    public int uploads() {
        return uploads;
    }

    private void purgeCollected() {
        entries.removeIf(entry -> {
            if (entry.host().get() == null) {
                entry.plan().close();
                return true;
            }
            return false;
        });
    }

    @Override
    public void close() {
        entries.forEach(entry -> entry.plan().close());
        entries.clear();
    }
}
