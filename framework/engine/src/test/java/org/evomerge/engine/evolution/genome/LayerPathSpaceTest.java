package org.evomerge.engine.evolution.genome;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.evomerge.api.genome.LayerPathGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.junit.jupiter.api.Test;

/**
 * The data-flow space's transition scaling (Sakana's W) worked by hand on 2 models × 2 layers, repeated twice, and
 * checked against the published semantics on a small pre-norm decoder written out here.
 */
class LayerPathSpaceTest {

    private static final double[] BOUNDS = {0.5, 1.5};

    /** M = 4 source layers (a.0, a.1, b.0, b.1), T = 8 slots, then the 4 × 4 matrix W row by row. */
    private static LayerPathSpace transitionSpace() {
        return new LayerPathSpace(List.of("/m/a", "/m/b"), new int[] {2, 2}, 2, BOUNDS,
                LayerPathSpace.Scaling.TRANSITION, Optional.empty());
    }

    /**
     * Slots 0 (a.0), 3 (b.1), 5 (a.1, second repeat) and 6 (b.0, second repeat) on the path; the transitions it
     * takes are a.0→b.1 = W[0][3] = 1.25, b.1→a.1 = W[3][1] = 0.8 and a.1→b.0 = W[1][2] = 2.0, clamped to 1.5.
     * W[0][0] is off the path and changes nothing.
     */
    private static ParameterGenome handWorkedGenome() {
        double[] x = new double[8 + 16];
        Arrays.fill(x, 0, 8, -0.4);
        x[0] = 0.3;
        x[3] = 0.7;
        x[5] = 0.1;
        x[6] = 0.9;
        Arrays.fill(x, 8, 24, 1.0);
        x[8 + 0 * 4 + 3] = 1.25;
        x[8 + 3 * 4 + 1] = 0.8;
        x[8 + 1 * 4 + 2] = 2.0;
        x[8 + 0 * 4 + 0] = 0.6;
        return new ParameterGenome(x);
    }

    @Test
    void aHandWorkedPathWithTransitionScalesDecodesToItsSlicesAndFoldedScales() {
        LayerPathSpace space = transitionSpace();
        assertEquals(8 + 16, space.space().size());
        assertEquals("slot[5].m0.l1.include", space.space().dimensions().get(5).name());
        assertEquals("transition[m1.l1->m0.l1]", space.space().dimensions().get(8 + 3 * 4 + 1).name());

        ParameterGenome genome = handWorkedGenome();
        // The hidden state entering each step: the embeddings' unscaled, then W of each transition taken.
        assertArrayEquals(new double[] {1.0, 1.25, 0.8, 1.5}, space.transitionScales(genome));
        // Folded: step k's output projections get 1 / (s_1 ... s_k) = 1, 1/1.25, 1/(1.25 * 0.8), 1/(1.25 * 0.8 * 1.5).
        LayerPathGenome path = space.decode(genome);
        assertEquals(List.of(new LayerPathGenome.Step(0, 0, 1.0), new LayerPathGenome.Step(1, 1, 0.8),
                new LayerPathGenome.Step(0, 1, 1.0), new LayerPathGenome.Step(1, 0, 1.0 / 1.5)), path.steps());

        assertEquals("""
                merge_method: passthrough
                slices:
                - sources:
                  - model: ../../a
                    layer_range: [0, 1]
                - sources:
                  - model: ../../b
                    layer_range: [1, 2]
                    parameters:
                      scale:
                      - filter: o_proj
                        value: 0.8
                      - filter: down_proj
                        value: 0.8
                      - value: 1.0
                - sources:
                  - model: ../../a
                    layer_range: [1, 2]
                - sources:
                  - model: ../../b
                    layer_range: [0, 1]
                    parameters:
                      scale:
                      - filter: o_proj
                        value: 0.6666666666666666
                      - filter: down_proj
                        value: 0.6666666666666666
                      - value: 1.0
                random_seed: 5
                """, space.recipeFile(path, Path.of("/m/run/best"), 5L));
    }

    @Test
    void thePapersStartIsModelAsLayersWithEveryTransitionOne() {
        LayerPathSpace space = transitionSpace();
        ParameterGenome start = space.start();
        assertEquals(List.of(new LayerPathGenome.Step(0, 0, 1.0), new LayerPathGenome.Step(0, 1, 1.0)),
                space.decode(start).steps());
        for (int i = 8; i < 24; i++) {
            assertEquals(1.0, start.get(i), "W entry " + (i - 8));
        }
        // With bounds that exclude 1, W starts at the nearest bound.
        LayerPathSpace high = new LayerPathSpace(List.of("/m/a", "/m/b"), new int[] {2, 2}, 1, new double[] {2, 3},
                LayerPathSpace.Scaling.TRANSITION, Optional.empty());
        assertEquals(2.0, high.start().get(4));
    }

    @Test
    void slotAndNoneScalingsKeepTheirShapes() {
        LayerPathSpace slot = new LayerPathSpace(List.of("/m/a", "/m/b"), new int[] {2, 2}, 2, BOUNDS,
                LayerPathSpace.Scaling.SLOT, Optional.empty());
        assertEquals(8 + 8, slot.space().size());
        LayerPathSpace none = new LayerPathSpace(List.of("/m/a", "/m/b"), new int[] {2, 2}, 2, BOUNDS,
                LayerPathSpace.Scaling.NONE, Optional.empty());
        assertEquals(8, none.space().size());
        double[] x = new double[8];
        Arrays.fill(x, -1);
        x[3] = 1;
        x[4] = 1;
        assertEquals(List.of(new LayerPathGenome.Step(1, 1, 1.0), new LayerPathGenome.Step(0, 0, 1.0)),
                none.decode(new ParameterGenome(x)).steps());
    }

    @Test
    void transitionScalesMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LayerPathSpace(
                List.of("/m/a"), new int[] {2}, 1, new double[] {0, 1}, LayerPathSpace.Scaling.TRANSITION,
                Optional.empty()));
        assertTrue(e.getMessage().contains("above 0"), e.getMessage());
    }

    /**
     * The published semantics (the hidden state passed into step k multiplied by its transition scale) and the
     * decoded frankenmerge (step k's o_proj and down_proj multiplied by its folded scale) give the same final
     * normalised state on a pre-norm decoder, up to RMSNorm's ε; folding each W entry into its own step only (as the
     * per-slot scale does) does not.
     */
    @Test
    void foldedScalesComputeWhatScalingTheHiddenStateComputes() {
        LayerPathSpace space = transitionSpace();
        ParameterGenome genome = handWorkedGenome();
        LayerPathGenome path = space.decode(genome);
        double[] transitions = space.transitionScales(genome);
        Random random = new Random(18);
        int hidden = 6;
        int inner = 10;
        DecoderLayer[][] layers = new DecoderLayer[2][2];
        for (DecoderLayer[] model : layers) {
            for (int l = 0; l < model.length; l++) {
                model[l] = DecoderLayer.random(random, hidden, inner);
            }
        }
        double[] embedding = random.doubles(hidden, -1, 1).toArray();

        double[] published = embedding.clone();
        double[] folded = embedding.clone();
        double[] perStep = embedding.clone();
        for (int k = 0; k < path.steps().size(); k++) {
            LayerPathGenome.Step step = path.steps().get(k);
            DecoderLayer layer = layers[step.model()][step.layer()];
            published = layer.forward(scaled(published, transitions[k]), 1.0);
            folded = layer.forward(folded, step.scale());
            perStep = layer.forward(perStep, transitions[k]);
        }
        double[] expected = DecoderLayer.rmsNorm(published);
        double[] actual = DecoderLayer.rmsNorm(folded);
        for (int i = 0; i < hidden; i++) {
            assertEquals(expected[i], actual[i], 1e-9, "final state [" + i + "]");
        }
        double[] naive = DecoderLayer.rmsNorm(perStep);
        double gap = 0;
        for (int i = 0; i < hidden; i++) {
            gap = Math.max(gap, Math.abs(expected[i] - naive[i]));
        }
        assertTrue(gap > 1e-3, "folding each W entry into its own step only should differ, by " + gap);
    }

    private static double[] scaled(double[] x, double factor) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = factor * x[i];
        }
        return out;
    }

    /**
     * One Llama decoder layer for a single token (attention over one position is its value projection), unit RMSNorm
     * weights: {@code h + o(v(norm h))}, then {@code + down(silu(gate(norm)) * up(norm))}; {@code outputScale}
     * multiplies o_proj and down_proj as the recipe's {@code scale} does.
     */
    private record DecoderLayer(double[][] v, double[][] o, double[][] gate, double[][] up, double[][] down) {

        static DecoderLayer random(Random random, int hidden, int inner) {
            return new DecoderLayer(matrix(random, hidden, hidden), matrix(random, hidden, hidden),
                    matrix(random, inner, hidden), matrix(random, inner, hidden), matrix(random, hidden, inner));
        }

        double[] forward(double[] h, double outputScale) {
            double[] attention = times(o, times(v, rmsNorm(h)));
            double[] mid = new double[h.length];
            for (int i = 0; i < h.length; i++) {
                mid[i] = h[i] + outputScale * attention[i];
            }
            double[] n = rmsNorm(mid);
            double[] g = times(gate, n);
            double[] u = times(up, n);
            double[] act = new double[g.length];
            for (int i = 0; i < g.length; i++) {
                act[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
            }
            double[] mlp = times(down, act);
            double[] out = new double[h.length];
            for (int i = 0; i < h.length; i++) {
                out[i] = mid[i] + outputScale * mlp[i];
            }
            return out;
        }

        static double[] rmsNorm(double[] x) {
            double sum = 0;
            for (double v : x) {
                sum += v * v;
            }
            double inv = 1 / Math.sqrt(sum / x.length + 1e-12);
            double[] out = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                out[i] = x[i] * inv;
            }
            return out;
        }

        private static double[] times(double[][] m, double[] x) {
            double[] out = new double[m.length];
            for (int r = 0; r < m.length; r++) {
                double s = 0;
                for (int c = 0; c < x.length; c++) {
                    s += m[r][c] * x[c];
                }
                out[r] = s;
            }
            return out;
        }

        private static double[][] matrix(Random random, int rows, int columns) {
            double[][] m = new double[rows][columns];
            for (double[] row : m) {
                for (int c = 0; c < columns; c++) {
                    row[c] = random.nextGaussian() / Math.sqrt(columns);
                }
            }
            return m;
        }
    }
}
