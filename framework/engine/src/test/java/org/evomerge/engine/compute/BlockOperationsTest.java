package org.evomerge.engine.compute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.compute.MagnitudeRank;
import org.evomerge.api.compute.MaskNorms;
import org.evomerge.kernels.FloatCodecs;
import org.junit.jupiter.api.Test;

/**
 * The backends' operations on tensors streamed in blocks give what they give on whole arrays: every model's rank from
 * {@code magnitudeRanks} over blocks of any size equals {@code magnitudeRank} of the whole arrays (itself checked
 * against a full sort in {@link MagnitudeSelectionTest}), whichever path the selection takes (the bracket's ends, its
 * inside, the scalar fallback for NaN); {@code randomMask} of a block with its first index keeps exactly the whole
 * tensor's bits.
 */
class BlockOperationsTest {

    private static final ComputeBackend[] BACKENDS = {new ReferenceBackend(), new VectorBackend()};

    private static float bf16(double v) {
        return FloatCodecs.bf16ToFloat(FloatCodecs.floatToBf16((float) v));
    }

    /** Inputs whose cuts fall at a bracket's ends (few magnitudes), inside it (bf16 fine-tunes), or nowhere (NaN). */
    private static float[] model(String kind, float[] base, SplittableRandom random) {
        float[] x = new float[base.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (kind) {
                case "bf16 fine-tune" -> bf16(base[i] + random.nextGaussian() * 0.002);
                case "half unchanged" -> i % 2 == 0 ? base[i] : bf16(base[i] + random.nextGaussian() * 0.002);
                case "two magnitudes" -> base[i] + (random.nextInt(3) == 0 ? 0.25f : 0.5f);
                case "one magnitude" -> base[i] - 0.5f;
                case "nan" -> i == x.length / 3 ? Float.NaN : bf16(base[i] + random.nextGaussian() * 0.002);
                default -> throw new IllegalArgumentException(kind);
            };
        }
        return x;
    }

    @Test
    void ranksOverBlocksAreTheWholeTensorsRanks() {
        for (int n : new int[] {777, 70_001, MergeLanes.BRACKET_MINIMUM + 12_345}) {
            SplittableRandom random = new SplittableRandom(n);
            float[] base = new float[n];
            for (int i = 0; i < n; i++) {
                base[i] = bf16(random.nextGaussian() * 0.02);
            }
            String[] kinds = {"bf16 fine-tune", "half unchanged", "two magnitudes", "one magnitude", "bf16 fine-tune"};
            float[][] models = new float[kinds.length][];
            for (int m = 0; m < kinds.length; m++) {
                models[m] = model(kinds[m], base, random);
            }
            int[][] positionSets = {{n / 2, n / 3, n / 5, 1, n - 1}, {0, n, n / 2, 7 * n / 8, n / 10}};
            for (ComputeBackend backend : BACKENDS) {
                for (int[] positions : positionSets) {
                    MagnitudeRank[] whole = new MagnitudeRank[kinds.length];
                    for (int m = 0; m < kinds.length; m++) {
                        whole[m] = backend.magnitudeRank(models[m], base, positions[m]);
                    }
                    for (int blockElements : new int[] {64, 4096, 65_536}) {
                        MagnitudeRank[] streamed = backend.magnitudeRanks(
                                new ArrayBlocks(models, base, null, blockElements), positions);
                        for (int m = 0; m < kinds.length; m++) {
                            assertEquals(whole[m], streamed[m], backend.id() + ", n " + n + ", " + kinds[m]
                                    + ", position " + positions[m] + ", blocks of " + blockElements);
                        }
                    }
                }
                // NaN: whatever the whole selection does (a rank, or refusing), the streamed one does the same.
                float[] nan = model("nan", base, random);
                for (int position : new int[] {1, n / 2, n - 1}) {
                    Object whole = outcome(() -> backend.magnitudeRank(nan, base, position));
                    for (int blockElements : new int[] {64, 65_536}) {
                        assertEquals(whole, outcome(() -> backend.magnitudeRanks(
                                new ArrayBlocks(new float[][] {nan}, base, null, blockElements),
                                new int[] {position})[0]), backend.id() + ", NaN, n " + n);
                    }
                }
            }
        }
    }

    private static Object outcome(java.util.function.Supplier<MagnitudeRank> selection) {
        try {
            return selection.get();
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    @Test
    void randomMasksOfBlocksAreSlicesOfTheWholeMask() {
        int n = 10_007;
        SplittableRandom random = new SplittableRandom(3);
        float[] base = new float[n];
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            base[i] = (float) random.nextGaussian();
            x[i] = base[i] + (float) random.nextGaussian() * 0.1f;
        }
        for (ComputeBackend backend : BACKENDS) {
            long[] whole = new long[(n + 63) >>> 6];
            MaskNorms wholeNorms = backend.randomMask(42, 1, x, base, 0.3, whole);
            for (int blockElements : new int[] {64, 640, 4096}) {
                long[] joined = new long[whole.length];
                double total = 0;
                double kept = 0;
                for (int from = 0; from < n; from += blockElements) {
                    int to = Math.min(n, from + blockElements);
                    long[] mask = new long[(blockElements + 63) >>> 6];
                    MaskNorms norms = backend.randomMask(42, 1, from, Arrays.copyOfRange(x, from, to),
                            Arrays.copyOfRange(base, from, to), 0.3, mask);
                    total += norms.total();
                    kept += norms.kept();
                    System.arraycopy(mask, 0, joined, from >>> 6, (to - from + 63) >>> 6);
                }
                assertArrayEquals(whole, joined, backend.id() + ", blocks of " + blockElements);
                assertEquals(wholeNorms.total(), total, 1e-9 * wholeNorms.total());
                assertEquals(wholeNorms.kept(), kept, 1e-9 * wholeNorms.kept());
            }
        }
    }
}
