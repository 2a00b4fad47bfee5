package org.evomerge.engine.context;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.evomerge.api.context.RandomSource;
import org.junit.jupiter.api.Test;

class SeededRandomSourceTest {

    private final RandomSource root = new SeededRandomSource(42);

    @Test
    void sameSeedAndKeyGiveTheSameFork() {
        RandomSource other = new SeededRandomSource(42);
        assertEquals(root.fork("model.layers.0.mlp.weight").seed(), other.fork("model.layers.0.mlp.weight").seed());
        assertEquals(root.fork(17).seed(), other.fork(17).seed());
        assertEquals(root.fork("a").fork(3).fork("b").seed(), other.fork("a").fork(3).fork("b").seed());
    }

    @Test
    void forksDoNotDependOnWhatWasForkedBefore() {
        // Work items may run in any order; a fork must not consume state from its parent.
        long first = root.fork("x").seed();
        for (int i = 0; i < 100; i++) {
            root.fork("other" + i);
            root.fork(i);
            root.bits(i);
        }
        root.generator().nextLong();
        assertEquals(first, root.fork("x").seed());
    }

    @Test
    void differentKeysGiveDifferentSeeds() {
        Set<Long> seeds = new HashSet<>();
        seeds.add(root.seed());
        List<String> tricky = List.of("", "a", "b", "ab", "ba", "a\0", "\0a", "aa", "é", "e\u0301", "A");
        for (String key : tricky) {
            assertTrue(seeds.add(root.fork(key).seed()), "fork '" + key + "' collides");
        }
        for (int i = 0; i < 10_000; i++) {
            assertTrue(seeds.add(root.fork("model.layers." + i + ".weight").seed()), "key " + i + " collides");
        }
    }

    @Test
    void differentIndicesGiveDifferentSeeds() {
        Set<Long> seeds = new HashSet<>();
        seeds.add(root.seed());
        for (long i = -100; i < 10_000; i++) {
            assertTrue(seeds.add(root.fork(i).seed()), "index " + i + " collides");
        }
        assertTrue(seeds.add(root.fork(Long.MAX_VALUE).seed()));
        assertTrue(seeds.add(root.fork(Long.MIN_VALUE).seed()));
    }

    @Test
    void differentRootsGiveDifferentForks() {
        assertNotEquals(new SeededRandomSource(1).fork("k").seed(), new SeededRandomSource(2).fork("k").seed());
        assertNotEquals(new SeededRandomSource(1).fork(0).seed(), new SeededRandomSource(2).fork(0).seed());
        // Keyed and numbered forks live in different spaces: "0" and 0 are different pieces of work.
        assertNotEquals(root.fork("0").seed(), root.fork(0).seed());
    }

    @Test
    void bitsArePureFunctionsOfSeedAndCounter() {
        RandomSource twin = new SeededRandomSource(42);
        long[] forward = new long[1000];
        for (int i = 0; i < forward.length; i++) {
            forward[i] = root.bits(i);
        }
        // Reading in reverse, repeatedly, and from another instance must give the same values.
        for (int i = forward.length - 1; i >= 0; i--) {
            assertEquals(forward[i], root.bits(i));
            assertEquals(forward[i], twin.bits(i));
        }
        assertNotEquals(root.bits(0), root.bits(1));
        assertNotEquals(root.bits(0), new SeededRandomSource(43).bits(0));
    }

    @Test
    void uniformIsInUnitIntervalWithMeanOneHalf() {
        int n = 100_000;
        double sum = 0;
        for (long counter = 0; counter < n; counter++) {
            double u = root.uniform(counter);
            assertTrue(u >= 0.0 && u < 1.0, "uniform(" + counter + ") = " + u);
            sum += u;
        }
        // The standard error of the mean is about 0.0009, so 0.01 is more than ten sigma.
        assertEquals(0.5, sum / n, 0.01);
    }

    @Test
    void uniformIsDerivedFromBits() {
        for (long counter = 0; counter < 100; counter++) {
            assertEquals((root.bits(counter) >>> 11) * 0x1.0p-53, root.uniform(counter));
        }
    }

    @Test
    void generatorRestartsAtTheSameSequence() {
        long[] first = draw(root.generator(), 64);
        long[] second = draw(root.generator(), 64);
        assertArrayEquals(first, second);
        assertArrayEquals(first, draw(new SeededRandomSource(42).generator(), 64));

        // One generator held on to keeps going rather than repeating itself.
        RandomGenerator held = root.generator();
        long[] a = draw(held, 64);
        long[] b = draw(held, 64);
        assertNotEquals(a[0], b[0]);
        assertTrue(!java.util.Arrays.equals(a, b));

        assertTrue(!java.util.Arrays.equals(first, draw(root.fork("child").generator(), 64)));
    }

    private static long[] draw(RandomGenerator generator, int n) {
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = generator.nextLong();
        }
        return values;
    }
}
