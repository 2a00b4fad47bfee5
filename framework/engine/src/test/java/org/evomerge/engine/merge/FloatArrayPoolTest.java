package org.evomerge.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Reuse by length, the bound on arrays handed out and pooled together, and releases that must not alias. */
class FloatArrayPoolTest {

    /** Floats in one KiB: the tests scale a run's sizes (MiB) down to KiB. */
    private static final int KIB = 1024 / Float.BYTES;

    @Test
    void aReleasedArrayServesTheNextRequestOfItsLengthOnly() {
        FloatArrayPool pool = new FloatArrayPool(0);
        float[] a = pool.take(1000);
        pool.release(a);
        assertNotSame(a, pool.take(999), "another length gets a new array");
        assertSame(a, pool.take(1000));
        assertNotSame(a, pool.take(1000), "handed out once at a time");
    }

    @Test
    void releasingTwiceNeverHandsOneArrayToTwoUsers() {
        FloatArrayPool pool = new FloatArrayPool(0);
        float[] a = pool.take(64);
        pool.release(a);
        pool.release(a);
        float[] first = pool.take(64);
        float[] second = pool.take(64);
        assertSame(a, first);
        assertNotSame(first, second);
    }

    @Test
    void arraysInUseAndPooledStayWithinTheBoundAndAHeadReusesItsEmbeddingsArrays() {
        long bound = 1024L << 10;
        FloatArrayPool pool = new FloatArrayPool(bound, 0);
        float[][] layer = new float[8][];
        for (int i = 0; i < layer.length; i++) {
            layer[i] = pool.take(64 * KIB);
        }
        for (float[] array : layer) {
            pool.release(array);
        }
        assertEquals(512L << 10, pool.pooledBytes(), "released layer arrays are kept");
        Set<float[]> embedding = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < 4; i++) {
            embedding.add(pool.take(200 * KIB));
            assertTrue((long) (i + 1) * (200L << 10) + pool.pooledBytes() <= bound,
                    "pooled layer arrays make way: " + pool.pooledBytes() + " pooled after array " + i);
        }
        embedding.forEach(pool::release);
        for (int i = 0; i < 4; i++) {
            assertTrue(embedding.contains(pool.take(200 * KIB)), "the head gets the embedding's arrays back");
        }
        assertEquals(0, pool.pooledBytes() % (64L << 10), "only whole layer arrays remain");
    }

    @Test
    void beforeAnEmbeddingOnlyArraysOfItsLengthStay() {
        FloatArrayPool pool = new FloatArrayPool(1 << 20, 0);
        float[] layer = pool.take(1000);
        float[] embedding = pool.take(5000);
        pool.release(layer);
        pool.release(embedding);
        assertTrue(pool.keepOnly(5000));
        assertEquals(5000L * Float.BYTES, pool.pooledBytes());
        assertSame(embedding, pool.take(5000));
        assertEquals(false, pool.keepOnly(5000), "nothing left to drop");
    }

    @Test
    void anArrayLargerThanTheBoundIsNeverKept() {
        FloatArrayPool pool = new FloatArrayPool(4096, 0);
        pool.release(new float[4096 / Float.BYTES + 1]);
        assertEquals(0, pool.pooledBytes());
        pool.release(new float[4096 / Float.BYTES]);
        assertEquals(4096, pool.pooledBytes());
    }
}
