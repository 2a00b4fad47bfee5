package org.evomerge.plugins.evaluation.lmeval;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Python's {@code random.Random}, bit for bit: the Mersenne Twister MT19937 seeded from an integer as CPython seeds it
 * ({@code init_by_array} over the integer's 32-bit words), {@code getrandbits}, {@code random()} (53-bit), and the
 * algorithms of {@code sample} and {@code choices} from CPython's {@code random.py}, so lm-evaluation-harness's seeded
 * few-shot draws ({@code Random(1234).sample(docs, n)}) and bootstrap resamples pick the same items here. Not
 * thread-safe.
 */
final class PythonRandom {

    private static final int N = 624;
    private static final int M = 397;

    private final int[] mt = new int[N];
    private int index = N + 1;

    PythonRandom(long seed) {
        seed(BigInteger.valueOf(seed).abs());
    }

    private void seed(BigInteger value) {
        // CPython: the absolute value's 32-bit words, least significant first; zero is one word of 0.
        List<Integer> words = new ArrayList<>();
        BigInteger mask = BigInteger.valueOf(0xffffffffL);
        BigInteger rest = value;
        do {
            words.add(rest.and(mask).intValue());
            rest = rest.shiftRight(32);
        } while (rest.signum() > 0);
        initByArray(words);
    }

    private void initGenrand(int s) {
        mt[0] = s;
        for (int i = 1; i < N; i++) {
            mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        }
        index = N;
    }

    private void initByArray(List<Integer> key) {
        initGenrand(19650218);
        int i = 1;
        int j = 0;
        int length = key.size();
        for (int k = Math.max(N, length); k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key.get(j) + j;
            i++;
            j++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if (j >= length) {
                j = 0;
            }
        }
        for (int k = N - 1; k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x80000000;
    }

    /** The next 32 bits, as an unsigned value in a long. */
    long nextUint32() {
        if (index >= N) {
            for (int k = 0; k < N; k++) {
                int y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
                mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
            }
            index = 0;
        }
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    /** {@code getrandbits(k)} for {@code 0 <= k <= 63}. */
    long getrandbits(int k) {
        if (k <= 32) {
            return k == 0 ? 0 : nextUint32() >>> (32 - k);
        }
        long low = nextUint32();
        long high = nextUint32() >>> (64 - k);
        return (high << 32) | low;
    }

    /** {@code _randbelow(n)}: rejection sampling over {@code n.bit_length()} bits. */
    int randbelow(int n) {
        int k = 32 - Integer.numberOfLeadingZeros(n);
        long r = getrandbits(k);
        while (r >= n) {
            r = getrandbits(k);
        }
        return (int) r;
    }

    /** {@code random()}: 53 random bits as a double in [0, 1). */
    double random() {
        long a = nextUint32() >>> 5;
        long b = nextUint32() >>> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /** {@code sample(population, k)}: {@code k} distinct items, in the order drawn. */
    <T> List<T> sample(List<T> population, int k) {
        int n = population.size();
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("Sample larger than population or is negative");
        }
        List<T> result = new ArrayList<>(k);
        int setSize = 21;
        if (k > 5) {
            setSize += (int) Math.pow(4, Math.ceil(Math.log(k * 3.0) / Math.log(4)));
        }
        if (n <= setSize) {
            List<T> pool = new ArrayList<>(population);
            for (int i = 0; i < k; i++) {
                int j = randbelow(n - i);
                result.add(pool.get(j));
                pool.set(j, pool.get(n - i - 1));
            }
        } else {
            Set<Integer> selected = new HashSet<>();
            for (int i = 0; i < k; i++) {
                int j = randbelow(n);
                while (selected.contains(j)) {
                    j = randbelow(n);
                }
                selected.add(j);
                result.add(population.get(j));
            }
        }
        return result;
    }

    /** {@code choices(population, k=k)} without weights: indices {@code floor(random() * n)}. */
    int[] choiceIndices(int n, int k) {
        int[] indices = new int[k];
        double size = n;
        for (int i = 0; i < k; i++) {
            indices[i] = (int) Math.floor(random() * size);
        }
        return indices;
    }
}
