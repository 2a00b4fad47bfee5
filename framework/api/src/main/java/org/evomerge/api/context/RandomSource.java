package org.evomerge.api.context;

import java.util.random.RandomGenerator;
import org.evomerge.api.Stable;

/**
 * The run's seeded randomness. Results must depend only on the seed, never on thread count or scheduling: fork a
 * child source per independent piece of work, keyed by what the work is (a tensor name, a candidate index), and use
 * {@link #bits(long)} where elements are processed in parallel.
 */
@Stable(since = "0.1.0")
public interface RandomSource {

    /** The seed this source was derived from. */
    long seed();

    /** An independent source for the named piece of work; the same key always gives the same source. */
    RandomSource fork(String key);

    /** An independent source for the numbered piece of work; the same index always gives the same source. */
    RandomSource fork(long index);

    /**
     * A sequential generator starting from this source's seed. Each call returns a new generator at the same start,
     * so callers hold on to one generator for a sequence of draws.
     */
    RandomGenerator generator();

    /**
     * 64 random bits for element {@code counter}, a pure function of the seed and the counter (counter-based, like
     * Philox or SplitMix), so element i gets the same value on any thread, backend or device.
     */
    long bits(long counter);

    /** A uniform double in [0, 1) for element {@code counter}, derived from {@link #bits(long)}. */
    default double uniform(long counter) {
        return (bits(counter) >>> 11) * 0x1.0p-53;
    }
}
