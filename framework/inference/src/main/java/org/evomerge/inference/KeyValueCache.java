package org.evomerge.inference;

import java.util.Arrays;

/**
 * The keys and values of every layer for the positions a session has seen, as float rows of {@code kvDim}
 * (position-major). Capacity grows by doubling up to the model's context length, so a short session never holds a
 * full-context cache. Not thread-safe (one session, one thread).
 */
final class KeyValueCache {

    private final int kvDim;
    private final int maxPositions;
    private final float[][] keys;
    private final float[][] values;
    private int capacity;
    private int length;

    KeyValueCache(int layers, int kvDim, int maxPositions) {
        this.kvDim = kvDim;
        this.maxPositions = maxPositions;
        this.keys = new float[layers][0];
        this.values = new float[layers][0];
    }

    int length() {
        return length;
    }

    /** Makes room for {@code positions} in total. */
    void reserve(int positions) {
        if (positions > capacity) {
            int grown = (int) Math.min(maxPositions, Math.max(positions, Math.max(16L, 2L * capacity)));
            for (int l = 0; l < keys.length; l++) {
                keys[l] = Arrays.copyOf(keys[l], grown * kvDim);
                values[l] = Arrays.copyOf(values[l], grown * kvDim);
            }
            capacity = grown;
        }
    }

    float[] keys(int layer) {
        return keys[layer];
    }

    float[] values(int layer) {
        return values[layer];
    }

    /**
     * Starts this (empty) cache with the first {@code positions} of {@code prefix}: a prompt prefix several sequences
     * share is computed once and copied.
     */
    void copyPrefix(KeyValueCache prefix, int positions) {
        if (length != 0 || positions > prefix.length) {
            throw new IllegalStateException("copyPrefix needs an empty cache and a prefix of at most "
                    + prefix.length + " positions");
        }
        reserve(positions);
        for (int l = 0; l < keys.length; l++) {
            System.arraycopy(prefix.keys[l], 0, keys[l], 0, positions * kvDim);
            System.arraycopy(prefix.values[l], 0, values[l], 0, positions * kvDim);
        }
        length = positions;
    }

    /** Marks {@code positions} more as filled, after every layer has written them. */
    void advance(int positions) {
        length += positions;
    }
}
