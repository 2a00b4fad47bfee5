package org.evomerge.plugins.evaluation.lmeval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Python's {@code random.Random} bit for bit: every expected value below is what CPython 3.11 printed for the same
 * calls ({@code random.Random(seed).getrandbits(32)}, {@code .sample(range(n), k)}, {@code .random()},
 * {@code .choices(range(10), k=5)}).
 */
class PythonRandomTest {

    static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    @Test
    void mersenneTwisterSeededFromAnInteger() {
        PythonRandom r = new PythonRandom(1234);
        assertEquals(4150886329L, r.getrandbits(32));
        assertEquals(3342196574L, r.getrandbits(32));
        assertEquals(1892932127L, r.getrandbits(32));
        assertEquals(2166296868L, new PythonRandom((1L << 40) + 5).getrandbits(32), "a seed of two 32-bit words");
    }

    @Test
    void randomIsFiftyThreeBits() {
        PythonRandom r = new PythonRandom(0);
        assertEquals(0.8444218515250481, r.random());
        assertEquals(0.7579544029403025, r.random());
    }

    @Test
    void sampleUsesThePoolOrTheSetAsCPythonDoes() {
        assertEquals(List.of(99, 56, 14, 0, 11), new PythonRandom(1234).sample(range(100), 5));
        assertEquals(List.of(7, 1, 0, 9, 4, 6, 5, 3, 8, 2), new PythonRandom(1234).sample(range(10), 10));
        assertEquals(List.of(3610, 957, 61, 742, 4769, 286), new PythonRandom(1234).sample(range(5000), 6),
                "a large population draws into a set");
        PythonRandom shared = new PythonRandom(1234);
        assertEquals(List.of(24, 14, 3), shared.sample(range(30), 3));
        assertEquals(List.of(0, 2, 29, 25), shared.sample(range(30), 4), "the generator advances between draws");
        PythonRandom fewshot = new PythonRandom(1234);
        assertEquals(List.of(7, 0, 6), fewshot.sample(range(8), 3));
        assertEquals(List.of(1, 6, 4), fewshot.sample(range(8), 3));
        assertEquals(List.of(0, 5, 6, 7), fewshot.sample(range(8), 4));
    }

    @Test
    void choicesIndexByFloorOfRandomTimesN() {
        assertArrayEquals(new int[] {3, 1, 6, 0, 5}, new PythonRandom(7).choiceIndices(10, 5));
    }
}
