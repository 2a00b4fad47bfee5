package org.evomerge.engine.context;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.evomerge.api.context.RandomSource;
import org.evomerge.kernels.ElementMath;

/**
 * A random source derived from a 64-bit seed. Forks hash the parent seed with the key, so the tree of sources is a
 * pure function of the root seed and the keys, independent of the order in which work runs.
 */
public record SeededRandomSource(long seed) implements RandomSource {

    @Override
    public RandomSource fork(String key) {
        long h = seed;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h = ElementMath.randomBits(h, b & 0xFF);
        }
        // Mix in the length so "ab"+"" and "a"+"b" style prefixes cannot collide.
        return new SeededRandomSource(ElementMath.randomBits(h, key.length() ^ 0x5EED_0000_0000L));
    }

    @Override
    public RandomSource fork(long index) {
        return new SeededRandomSource(ElementMath.streamSeed(seed, index));
    }

    @Override
    public RandomGenerator generator() {
        return new SplittableRandom(seed);
    }

    @Override
    public long bits(long counter) {
        return ElementMath.randomBits(seed, counter);
    }
}
