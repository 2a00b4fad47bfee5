package org.evomerge.engine.merge;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Set;

/**
 * The float arrays of one merge run (inputs and outputs), handed back after each tensor and reused by the next tensor
 * of the same length, by any thread. Same-shaped tensors (every layer's projections, an embedding and its head) then
 * cost no allocation, zeroing or page faults: fresh memory cost more than the merge maths in profiles, most of all on
 * virtual machines, where every page the process touches for the first time is a trip to the hypervisor.
 *
 * <p>Arrays handed out and pooled together stay within a bound (the arrays of the run's largest tensor, and at least
 * {@link #MINIMUM_BOUND_BYTES}): on a miss, pooled arrays are dropped, oldest first, until the new one fits beside the
 * arrays in use, so layer-sized arrays make way while an embedding's are in use. One instance per run: nothing is
 * shared between concurrent merges, and everything is garbage once the run ends. Thread-safe.
 */
final class FloatArrayPool {

    /** Arrays handed out and pooled together below which no array is dropped. */
    static final long MINIMUM_BOUND_BYTES = 384L << 20;

    private final long boundBytes;
    /** Released arrays, most recent first. */
    private final ArrayDeque<float[]> pooled = new ArrayDeque<>();
    private final Set<float[]> handedOut = Collections.newSetFromMap(new IdentityHashMap<>());
    private long pooledBytes;
    private long handedOutBytes;

    /** @param boundBytes the float arrays of the run's largest tensor (raised to {@link #MINIMUM_BOUND_BYTES}) */
    FloatArrayPool(long boundBytes) {
        this(boundBytes, MINIMUM_BOUND_BYTES);
    }

    /** With another minimum bound (tests use small arrays). */
    FloatArrayPool(long boundBytes, long minimumBoundBytes) {
        this.boundBytes = Math.max(minimumBoundBytes, boundBytes);
    }

    /** An array of exactly {@code length} elements with undefined contents; hand it back with {@link #release}. */
    float[] take(int length) {
        long bytes = (long) length * Float.BYTES;
        float[] array = null;
        synchronized (this) {
            for (Iterator<float[]> it = pooled.iterator(); it.hasNext(); ) {
                float[] candidate = it.next();
                if (candidate.length == length) {
                    it.remove();
                    pooledBytes -= bytes;
                    array = candidate;
                    break;
                }
            }
            if (array == null) {
                while (!pooled.isEmpty() && handedOutBytes + pooledBytes + bytes > boundBytes) {
                    pooledBytes -= (long) pooled.removeLast().length * Float.BYTES;
                }
            }
            handedOutBytes += bytes;
        }
        if (array == null) {
            array = new float[length]; // outside the lock: zeroing a large array takes a while
        }
        synchronized (this) {
            handedOut.add(array);
        }
        return array;
    }

    /**
     * Hands an array back for reuse: one from {@link #take}, or any other array nobody else holds. The caller no
     * longer reads or writes it. Releasing an array that is already pooled does nothing.
     */
    synchronized void release(float[] array) {
        long bytes = (long) array.length * Float.BYTES;
        if (handedOut.remove(array)) {
            handedOutBytes -= bytes;
        }
        if (array.length == 0 || bytes > boundBytes) {
            return;
        }
        for (float[] p : pooled) {
            if (p == array) {
                return;
            }
        }
        pooled.addFirst(array);
        pooledBytes += bytes;
        while (!pooled.isEmpty() && handedOutBytes + pooledBytes > boundBytes) {
            pooledBytes -= (long) pooled.removeLast().length * Float.BYTES;
        }
    }

    /**
     * Drops every pooled array whose length is not {@code length}, before a tensor that needs the whole memory
     * budget: its arrays should replace the others, not join them.
     *
     * @return whether anything was dropped
     */
    synchronized boolean keepOnly(long length) {
        boolean dropped = false;
        for (Iterator<float[]> it = pooled.iterator(); it.hasNext(); ) {
            float[] array = it.next();
            if (array.length != length) {
                it.remove();
                pooledBytes -= (long) array.length * Float.BYTES;
                dropped = true;
            }
        }
        return dropped;
    }

    /** Bytes of pooled arrays (for tests). */
    synchronized long pooledBytes() {
        return pooledBytes;
    }
}
