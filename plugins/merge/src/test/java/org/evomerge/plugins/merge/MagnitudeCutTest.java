package org.evomerge.plugins.merge;

import org.evomerge.compute.ReferenceBackend;
import org.evomerge.compute.VectorBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.evomerge.api.tensor.Shape;
import org.junit.jupiter.api.Test;

/** The magnitude order and its selection through the run's backend, against a full sort. */
class MagnitudeCutTest {

    /** Indices in magnitude order (|δ| descending, index ascending), by a full sort of boxed indices. */
    static int[] magnitudeOrder(TaskDelta delta) {
        return IntStream.range(0, delta.size()).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -delta.magnitude(i)).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
    }

    private static final Sparsifier.Scratch[] SCRATCHES = {new Sparsifier.Scratch(new ReferenceBackend()),
            new Sparsifier.Scratch(new VectorBackend().taskVectors().orElseThrow())};

    private static TaskDelta delta(float[] model) {
        return new TaskDelta("t", "m", Shape.of(model.length), model, new float[model.length]);
    }

    @Test
    void cutsAgreeWithAFullSortIncludingTies() {
        SplittableRandom random = new SplittableRandom(11);
        for (Sparsifier.Scratch scratch : SCRATCHES) {
            for (int trial = 0; trial < 100; trial++) {
                int n = 1 + random.nextInt(300);
                int distinct = 1 + random.nextInt(trial % 2 == 0 ? 4 : 1000);
                float[] model = new float[n];
                for (int i = 0; i < n; i++) {
                    // few distinct magnitudes with both signs: many ties, including runs of zeros
                    model[i] = (random.nextBoolean() ? 1 : -1) * random.nextInt(distinct) * 0.25f;
                }
                TaskDelta delta = delta(model);
                int[] order = magnitudeOrder(delta);
                for (int p : new int[] {0, 1, n / 3, n / 2, n - 1, n, random.nextInt(n + 1)}) {
                    MagnitudeCut cut = MagnitudeCut.at(delta, scratch, p);
                    boolean[] before = new boolean[n];
                    for (int q = 0; q < p; q++) {
                        before[order[q]] = true;
                    }
                    for (int i = 0; i < n; i++) {
                        assertEquals(before[i], cut.before(delta.magnitude(i), i),
                                "trial " + trial + ", n " + n + ", position " + p + ", element " + i);
                    }
                }
            }
        }
    }

    @Test
    void extremesNeedNoSelection() {
        TaskDelta delta = delta(new float[] {1, -2, 0});
        for (Sparsifier.Scratch scratch : SCRATCHES) {
            assertTrue(MagnitudeCut.at(delta, scratch, 0) == MagnitudeCut.NONE);
            assertTrue(MagnitudeCut.at(delta, scratch, 3) == MagnitudeCut.ALL);
        }
        for (int i = 0; i < 3; i++) {
            assertFalse(MagnitudeCut.NONE.before(delta.magnitude(i), i));
            assertTrue(MagnitudeCut.ALL.before(delta.magnitude(i), i));
        }
    }

    /** bf16 checkpoints: many equal magnitudes, and tensors large enough for the vector backend's sampled selection. */
    @Test
    void cutsOfLargeBf16TensorsAgreeWithAFullSortOnBothBackends() {
        SplittableRandom random = new SplittableRandom(5);
        for (int trial = 0; trial < 2; trial++) {
            int n = (1 << 18) + random.nextInt(50_000);
            float[] base = new float[n];
            float[] model = new float[n];
            for (int i = 0; i < n; i++) {
                base[i] = org.evomerge.kernels.FloatCodecs.bf16ToFloat(org.evomerge.kernels.FloatCodecs.floatToBf16(
                        (float) (random.nextGaussian() * 0.02)));
                model[i] = org.evomerge.kernels.FloatCodecs.bf16ToFloat(org.evomerge.kernels.FloatCodecs.floatToBf16(
                        base[i] + (float) (random.nextGaussian() * (trial % 2 == 0 ? 0.002 : 1e-5))));
            }
            TaskDelta delta = new TaskDelta("t", "m", Shape.of(n), model, base);
            int[] order = magnitudeOrder(delta);
            for (int k : new int[] {1, n / 10, n / 3, n / 2, n - 1, random.nextInt(n)}) {
                MagnitudeCut reference = MagnitudeCut.at(delta, SCRATCHES[0], k);
                assertEquals(reference, MagnitudeCut.at(delta, SCRATCHES[1], k), "n " + n + " position " + k);
                for (int q = 0; q < n; q += 997) {
                    int i = order[q];
                    assertEquals(q < k, reference.before(delta.magnitude(i), i), "position " + q);
                }
            }
        }
    }
}
